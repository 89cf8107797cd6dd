using PgxcBot.Core.Servers;

namespace PgxcBot.Core.Observation;

/// <summary>The WAL receiver of a standby as its process title shows it.</summary>
/// <param name="State">streaming, catchup, startup, ... (empty when the title carries none).</param>
/// <param name="ReceivedLsn">The position the title reports; PostgreSQL 9.3 and 10 (Postgres-XC and -XL)
/// show it (<c>postgres: wal receiver process   streaming 0/3000BC8</c>, measured), PostgreSQL 15 does not.</param>
public sealed record WalReceiverTitle(string State, Lsn? ReceivedLsn);

/// <summary>
/// What the host of one server shows over the shell: whether its postmaster runs (the pid in postmaster.pid
/// is alive and not a zombie), what its children's process titles say (the WAL receiver's position,
/// backends whose commit waits for a synchronous standby), and pg_controldata. Gathered where SQL cannot
/// answer: a stock Postgres-XL hot standby refuses every connection, and PostgreSQL 9.x has no wait_event.
/// </summary>
/// <param name="PostmasterRunning">Null when the host could not be asked.</param>
/// <param name="SyncRepWaiters">Backends whose title ends "waiting for X/Y" (9.x SyncRepWaitForLSN); null when unknown.</param>
/// <param name="Error">Why the host could not be asked (unreachable, command failed); never a secret.</param>
public sealed record ProcessFacts(
    bool? PostmasterRunning,
    int? PostmasterPid,
    WalReceiverTitle? WalReceiver,
    int? SyncRepWaiters,
    ControlData? Control,
    string? Error,
    TimeSpan Elapsed)
{
    /// <summary>Where the valid WAL in the data directory ends (pg_waldump of the newest segment), read when
    /// no WAL receiver shows its position: everything the server received and flushed is before it.</summary>
    public Lsn? WalEnd { get; init; }

    public static ProcessFacts Failed(string error, TimeSpan elapsed) => new(null, null, null, null, null, error, elapsed);
}
