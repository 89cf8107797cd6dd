using Npgsql;

namespace PgxcBot.Postgres;

/// <summary>
/// Opens a pooled connection and runs one query under hard deadlines: the connect phase gets the connect
/// timeout, the query phase the command timeout, and the whole attempt never outlives both together.
/// The deadline is ours (a CancellationToken plus WaitAsync), so a server that swallows the TCP
/// connection, hangs during startup, or is frozen mid-query costs no more than its timeout, even where
/// Npgsql would wait longer. An abandoned attempt finishes in the background and its connection is then
/// disposed. With <c>maxConcurrentOpens</c>, at most that many connections are being opened at once: opening
/// one costs the server a process start, and a few hundred started together on a busy host all finish late and
/// all miss their deadline. The connect deadline starts when an opening may begin; waiting for one is not
/// charged to the server (a server that hangs costs its own timeout, and delays others only when more servers
/// than <c>maxConcurrentOpens</c> hang together).
/// </summary>
internal sealed class BoundedQuery(TimeProvider time, int maxConcurrentOpens = 0)
{
    private readonly SemaphoreSlim? _opening = maxConcurrentOpens > 0 ? new SemaphoreSlim(maxConcurrentOpens, maxConcurrentOpens) : null;

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
                // Never hand the next probe a connection to a server that just failed us.
                source.Clear();
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

        var open = source.OpenConnectionAsync(linked.Token).AsTask();
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
        finally
        {
            _opening?.Release();
        }

        enteredQueryPhase();
        var queryBudget = Min(commandTimeout, remaining - time.GetElapsedTime(phaseStarted));
        deadline.CancelAfter(queryBudget);
        Task<T> running;
        try
        {
            running = query(connection, linked.Token);
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
            // The query may still be running (Npgsql is cancelling it): dispose only once it stops.
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
