using Npgsql;

namespace PgxcBot.Postgres;

/// <summary>
/// Opens a pooled connection and runs one query under hard deadlines: the connect phase gets the connect
/// timeout, the query phase the command timeout, and the whole attempt never outlives both together.
/// The deadline is ours (a CancellationToken plus WaitAsync), so a server that swallows the TCP
/// connection, hangs during startup, or is frozen mid-query costs no more than its timeout, even where
/// Npgsql would wait longer.
/// <para>An opening that misses the deadline is not aborted: it goes on in the background, bounded by Npgsql's own
/// connect timeout (whole seconds), and the connection it yields goes back to the pool for the next probe. Aborting
/// it made a busy host metastable: on 130 lab servers on one 2-core host (a fresh PostgreSQL 15 session costs 17 ms
/// of server CPU there, <c>pgbench -C</c>), every poll of a starting bot aborted its openings at the 1 s deadline and
/// the next poll opened them all again, so the bot saw every server time out for as long as it ran.</para>
/// <para>What becomes of a query that misses the deadline is the caller's choice (<see cref="LateQuery"/>): the
/// observer's read-only probes let it finish, a runbook's statements cancel it.</para>
/// <para>With <c>maxConcurrentOpens</c>, at most that many connections are being opened at once: opening one
/// costs the server a process start, and a few hundred started together on a busy host all finish late and all
/// miss their deadline. The connect deadline starts when an opening may begin; waiting for one is not charged to
/// the server. A new connection holds its slot through its first query, or for <see cref="SlotHold"/> if that is
/// shorter (a pooled one gives it back at once), so servers that do not answer (a partitioned rack) delay the
/// others by <see cref="SlotHold"/> per <c>maxConcurrentOpens</c> of them, not by their whole connect timeout.</para>
/// </summary>
/// <param name="time">The clock of the deadlines.</param>
/// <param name="maxConcurrentOpens">Openings at once (0: unbounded).</param>
/// <param name="late">What becomes of a query that misses its deadline.</param>
internal sealed class BoundedQuery(TimeProvider time, int maxConcurrentOpens = 0, LateQuery late = LateQuery.Cancel)
{
    private readonly SemaphoreSlim? _opening = maxConcurrentOpens > 0 ? new SemaphoreSlim(maxConcurrentOpens, maxConcurrentOpens) : null;

    /// <summary>How long an opening keeps its slot at most (see the class remarks): an opening on a LAN takes a few
    /// round trips and a process start, well under this; one that takes longer is waiting on a server that may
    /// never answer.</summary>
    internal static readonly TimeSpan SlotHold = TimeSpan.FromMilliseconds(500);

    public async Task<T> RunAsync<T>(NpgsqlDataSource source, Func<NpgsqlConnection, CancellationToken, Task<T>> query,
        TimeSpan connectTimeout, TimeSpan commandTimeout, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var waited = TimeSpan.Zero;
        var budget = connectTimeout + commandTimeout;
        for (var attempt = 1; ; attempt++)
        {
            var queryPhase = false;
            try
            {
                return await AttemptAsync(source, query, connectTimeout, commandTimeout, budget - (time.GetElapsedTime(started) - waited),
                    () => queryPhase = true, w => waited += w, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // Never hand the next probe a connection to a server that just failed us; but an opening that only
                // missed its deadline failed nothing, and the connection it may still yield is the next probe's (as is
                // a late query's that is left to finish).
                if (e is not ProbeTimeoutException || (queryPhase && late == LateQuery.Cancel)) source.Clear();
                // A pooled connection whose server restarted fails at its first use: try once more on a
                // fresh connection, within what is left of the budget.
                var stalePooled = queryPhase && e is not ProbeTimeoutException
                    && ProbeErrorClassifier.Classify(e).Status == Core.Observation.ProbeStatus.Unreachable;
                if (attempt > 1 || !stalePooled || budget - (time.GetElapsedTime(started) - waited) < TimeSpan.FromMilliseconds(50))
                    throw;
            }
        }
    }

    private async Task<T> AttemptAsync<T>(NpgsqlDataSource source, Func<NpgsqlConnection, CancellationToken, Task<T>> query,
        TimeSpan connectTimeout, TimeSpan commandTimeout, TimeSpan remaining, Action enteredQueryPhase, Action<TimeSpan> waitedForOpening,
        CancellationToken cancellationToken)
    {
        if (_opening is not null)
        {
            var waitStarted = time.GetTimestamp();
            await _opening.WaitAsync(cancellationToken).ConfigureAwait(false);
            waitedForOpening(time.GetElapsedTime(waitStarted));
        }
        var connectBudget = Min(connectTimeout, remaining);
        using var deadline = new CancellationTokenSource(connectBudget, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var phaseStarted = time.GetTimestamp();

        // Only the caller's cancellation ends the opening itself; our deadline ends the wait for it (class remarks).
        Task<NpgsqlConnection> open;
        try
        {
            open = source.OpenConnectionAsync(cancellationToken).AsTask();
        }
        catch
        {
            _opening?.Release();
            throw;
        }
        // A pooled connection comes back at once: no process start, a warm session, so the slot is free again. A new
        // one keeps it through its first query: a fresh session's first statements cost the server about as much as
        // its start (catalog caches cold; PostgreSQL 15 on this 2-core host, pgbench -C: 17 ms the start, 18 ms more
        // with the probe's statements). Read once: the opening may complete between two reads.
        var pooled = open.IsCompletedSuccessfully;
        if (pooled) _opening?.Release();
        using var slot = _opening is null || pooled ? null : new OpeningSlot(_opening, time);
        NpgsqlConnection connection;
        try
        {
            connection = await open.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            DisposeWhenDone(open);
            cancellationToken.ThrowIfCancellationRequested();
            throw new ProbeTimeoutException($"no answer within {connectBudget.TotalSeconds:0.#} s while connecting");
        }

        enteredQueryPhase();
        var queryBudget = Min(commandTimeout, remaining - time.GetElapsedTime(phaseStarted));
        deadline.CancelAfter(queryBudget);
        // Left to finish, the query runs on the caller's token only: our deadline then ends the wait for it, not the query.
        Task<T> running;
        try
        {
            running = query(connection, late == LateQuery.Finish ? cancellationToken : linked.Token);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        try
        {
            var result = await running.WaitAsync(linked.Token).ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
            return result;
        }
        catch (OperationCanceledException)
        {
            // The query may still be running (left to finish, or Npgsql is cancelling it): dispose only once it stops.
            _ = running.ContinueWith(t => { _ = t.Exception; connection.Dispose(); }, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            cancellationToken.ThrowIfCancellationRequested();
            throw new ProbeTimeoutException($"no answer within {queryBudget.TotalSeconds:0.#} s while querying");
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A new connection's slot, given back exactly once: when its probe ends (dispose) or after
    /// <see cref="SlotHold"/>, whichever is first.</summary>
    private sealed class OpeningSlot : IDisposable
    {
        private readonly SemaphoreSlim _slots;
        private readonly ITimer _hold;
        private int _released;

        public OpeningSlot(SemaphoreSlim slots, TimeProvider time)
        {
            _slots = slots;
            _hold = time.CreateTimer(static state => ((OpeningSlot)state!).Dispose(), this, SlotHold, Timeout.InfiniteTimeSpan);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            _hold.Dispose();
            _slots.Release();
        }
    }

    private static void DisposeWhenDone(Task<NpgsqlConnection> open) =>
        _ = open.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully) t.Result.Dispose();
            else _ = t.Exception; // observed, so it is not reported as unobserved
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private static TimeSpan Min(TimeSpan a, TimeSpan b)
    {
        var min = a < b ? a : b;
        return min > TimeSpan.Zero ? min : TimeSpan.FromMilliseconds(1);
    }
}
