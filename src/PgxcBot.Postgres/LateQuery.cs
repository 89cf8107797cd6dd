namespace PgxcBot.Postgres;

/// <summary>What <see cref="BoundedQuery"/> does with a query that misses its deadline.</summary>
internal enum LateQuery
{
    /// <summary>Cancels it and clears its server's pool: a runbook's statement that did not finish in time must not
    /// take effect later, unseen (the step fails and the runbook checks what is true).</summary>
    Cancel,

    /// <summary>Lets it finish under Npgsql's own command timeout and gives its connection back to the pool: for
    /// read-only probes. Cancelling one costs the server a cancel request (a connection of its own: a process start)
    /// and, with the pool cleared, the next probe a new session on the server that was just too slow. A bot polling
    /// 128 lab pairs on one 2-core host (load 30-40) kept no pooled connection to any server that way, took 19-25 s
    /// per status and paged master-unobservable for live masters.</summary>
    Finish,
}
