using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Topology;

namespace PgxcBot.Monitoring;

/// <summary>
/// The fast path for the one failure that stops every write: per master with a slave, a light query every
/// <see cref="MonitorSettings.CommitWatchInterval"/> (50 ms by default) on a connection kept open, and
/// <see cref="CommitWatchRule"/> on its answers. When waiting commits meet a missing or silent slave it asks the
/// monitor for a poll at once (<see cref="MonitorService.RequestPoll"/>); that poll judges with the same evidence
/// rules and the async switch policy as every other. The watch never acts itself, so when it fails (a master down,
/// a server without wait_event) the 1 s poll still finds blocked commits, only later.
/// </summary>
public sealed class CommitWatchService(TopologyState topologyState, ICommitWatchSource source, MonitorService monitor,
    TimeProvider time, ILogger<CommitWatchService> logger) : BackgroundService
{
    /// <summary>How soon a link to a slave is opened again after it broke or could not be opened.</summary>
    internal static readonly TimeSpan LinkRetry = TimeSpan.FromSeconds(1);

    /// <summary>While the slave stays missing or silent, a new poll is asked for at most this often.</summary>
    private static readonly TimeSpan RepeatAfter = TimeSpan.FromMilliseconds(550);

    /// <summary>Watch sessions opened at once, over every master. A session costs its master a process start; a bot
    /// starting beside 64 lab pairs on 2 cores opened 64 at once, on top of the poll's own openings, and for its first
    /// minute no probe got through in time. The watch only hastens a poll, so its start may wait its turn.</summary>
    public const int MaxConcurrentOpens = 4;

    private readonly SemaphoreSlim _opening = new(MaxConcurrentOpens);

    private readonly ConcurrentDictionary<string, (Task Loop, CancellationTokenSource Stop)> _watches = new(StringComparer.Ordinal);

    /// <summary>The one clock every master's loop samples on (created with the first watch).</summary>
    private CommitWatchTicker? _ticker;

    /// <summary>Samples taken since start, over every master (for benchmarks and tests).</summary>
    public long Samples => Interlocked.Read(ref _samples);

    private long _samples;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await monitor.Started.WaitAsync(stoppingToken).ConfigureAwait(false);
            // The set of masters follows the topology (a promote swaps roles): checked once a second.
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
            var failing = false;
            do
            {
                try
                {
                    var topology = await topologyState.CurrentAsync(stoppingToken).ConfigureAwait(false);
                    Reconcile(topology, stoppingToken);
                    if (failing) logger.LogInformation("Commit watch: the topology can be read again");
                    failing = false;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // The store's roles could not be read (a full disk, a file removed under the bot): the watches go
                    // on with the masters they have, and the monitor, which reads the same store, says what is wrong.
                    // Letting it out would stop the whole host (BackgroundServiceExceptionBehavior.StopHost).
                    if (!failing) logger.LogWarning("Commit watch: cannot read the topology ({Error}); watching the masters it had, trying again every second", e.Message);
                    failing = true;
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: a topology read that failed as the stop came (a broken store) is the stop, not a fault of the
            // watch (CI: CommitWatchServiceTests' broken store at StopAsync).
        }
        finally
        {
            foreach (var (_, stop) in _watches.Values) await stop.CancelAsync().ConfigureAwait(false);
            // Releases the loops waiting for the next tick.
            _ticker?.Dispose();
            await Task.WhenAll(_watches.Values.Select(w => w.Loop)).ConfigureAwait(false);
            foreach (var (_, stop) in _watches.Values) stop.Dispose();
            _watches.Clear();
        }
    }

    private void Reconcile(ClusterTopology topology, CancellationToken stoppingToken)
    {
        var interval = topology.Monitor.CommitWatchInterval;
        var wanted = interval <= TimeSpan.Zero
            ? []
            : topology.Datanodes.Where(p => p.Slave is not null).ToDictionary(p => $"{p.Name}|{p.Master.Endpoint}|{p.Slave!.Endpoint}|{p.ApplicationName}|{interval.Ticks}", StringComparer.Ordinal);
        foreach (var key in _watches.Keys.Where(k => !wanted.ContainsKey(k)).ToArray())
        {
            if (!_watches.TryRemove(key, out var gone)) continue;
            gone.Stop.Cancel();
            _ = gone.Loop.ContinueWith(_ => gone.Stop.Dispose(), TaskScheduler.Default);
        }
        if (wanted.Count == 0) return;
        if (_ticker is null) _ticker = new CommitWatchTicker(interval, time);
        else _ticker.Change(interval);
        foreach (var (key, pair) in wanted)
        {
            if (_watches.ContainsKey(key)) continue;
            var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var ticker = _ticker;
            _watches[key] = (Task.Run(() => WatchAsync(topology, pair, interval, ticker, stop.Token), CancellationToken.None), stop);
        }
    }

    private async Task WatchAsync(ClusterTopology topology, DatanodePair pair, TimeSpan interval, CommitWatchTicker ticker, CancellationToken cancellationToken)
    {
        using var wake = new CommitWatchWake(cancellationToken);
        // The slave is linked once the master's watch works (a Postgres-XC master's does not: no link either).
        var watching = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var linking = Task.Run(() => LinkAsync(topology, pair, watching.Task, wake, cancellationToken), CancellationToken.None);
        try
        {
            await WatchMasterAsync(topology, pair, interval, ticker, wake, watching, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            watching.TrySetCanceled(CancellationToken.None);
            // It ends with the same token; the wake is disposed only after it.
            await linking.ConfigureAwait(false);
        }
    }

    private async Task WatchMasterAsync(ClusterTopology topology, DatanodePair pair, TimeSpan interval, CommitWatchTicker ticker, CommitWatchWake wake,
        TaskCompletionSource watching, CancellationToken cancellationToken)
    {
        // A sample that takes longer than this is a master in trouble: the 1 s poll speaks for it.
        var timeout = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(250).Ticks, interval.Ticks * 5));
        var rule = new CommitWatchRule(pair);
        var asked = new LastAsked();
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            ICommitWatchSession session;
            try
            {
                session = await OneOfFewAsync(() => source.OpenAsync(topology, pair.Master, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                if (failures++ == 0)
                    logger.LogInformation("Commit watch of {Datanode}: cannot connect to its master {Endpoint} ({Error}); retrying every second, the 1 s poll goes on",
                        pair.Name, pair.Master.Endpoint, e.Message);
                if (!await DelayAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false)) return;
                continue;
            }
            catch (Exception)
            {
                // Only when stopping (the filter above takes every other): an opening cut short, whatever it threw.
                return;
            }
            if (session.Unsupported is { } why)
            {
                logger.LogInformation("Commit watch of {Datanode} is off: {Reason}", pair.Name, why);
                await session.DisposeAsync().ConfigureAwait(false);
                return;
            }
            if (failures > 0) logger.LogInformation("Commit watch of {Datanode}: watching its master {Endpoint} again", pair.Name, pair.Master.Endpoint);
            failures = 0;
            watching.TrySetResult();
            try
            {
                while (!await SampleUntilStoppedAsync(session, pair, rule, asked, timeout, ticker, wake, cancellationToken).ConfigureAwait(false))
                {
                    // A sample slower than its bound: the poll looks now, and the same session goes on once the late
                    // answer is in (a new one would cost a loaded master a process start); a failed one is reopened.
                    if (asked.Kind != CommitWatchKind.MasterUnanswered || time.GetElapsedTime(asked.At) >= RepeatAfter)
                    {
                        asked.Kind = CommitWatchKind.MasterUnanswered;
                        asked.At = time.GetTimestamp();
                        monitor.RequestPoll(CommitWatchKind.MasterUnanswered);
                    }
                    if (!await session.SettledAsync(cancellationToken).ConfigureAwait(false))
                        throw new TimeoutException($"no answer within {timeout.TotalMilliseconds:0} ms, then the connection failed");
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping: a sample cut short is no sign of the master.
            }
            catch (Exception e)
            {
                failures++;
                // The connection to a live master does not break by itself: let the poll look now.
                monitor.RequestPoll(CommitWatchKind.MasterUnanswered);
                logger.LogInformation("Commit watch of {Datanode}: its master {Endpoint} stopped answering ({Error}); reconnecting, the 1 s poll goes on",
                    pair.Name, pair.Master.Endpoint, e.Message);
            }
            finally
            {
                // A connection whose query was abandoned closes once that query ends: never wait for it here.
                _ = Task.Run(async () =>
                {
                    try { await session.DisposeAsync().ConfigureAwait(false); }
                    catch (Exception) { /* the connection was broken already */ }
                }, CancellationToken.None);
            }
            if (!await DelayAsync(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false)) return;
        }
    }

    /// <summary>Keeps a link to the pair's slave (<see cref="ICommitWatchSource.LinkAsync"/>) and, each time the slave
    /// ends it, wakes the master's loop to sample now and at every tick for a while (<see cref="CommitWatchRule.Hasten"/>): a killed slave's WAL sender on the master
    /// is gone within milliseconds, and the first commit that waits for it is seen within a tick, where a quiet master
    /// is sampled only every <see cref="CommitWatchRule.QuietEvery"/> ticks (measured: the first trial of the monitor
    /// benchmark waited about 250 ms for its master's quiet pace). Reopened after <see cref="LinkRetry"/>.</summary>
    private async Task LinkAsync(ClusterTopology topology, DatanodePair pair, Task watching, CommitWatchWake wake, CancellationToken cancellationToken)
    {
        try
        {
            await watching.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The watch ended (stopped, or the master cannot be watched) before it watched.
            return;
        }
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            IServerLink? link;
            try
            {
                link = await OneOfFewAsync(() => source.LinkAsync(topology, pair.Slave!, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                if (failures++ == 0)
                    logger.LogInformation("Commit watch of {Datanode}: cannot link to its slave {Endpoint} ({Error}); its loss is then seen by the samples alone; trying again every {Seconds} s",
                        pair.Name, pair.Slave!.Endpoint, e.Message, LinkRetry.TotalSeconds);
                if (!await DelayAsync(LinkRetry, cancellationToken).ConfigureAwait(false)) return;
                continue;
            }
            catch (Exception)
            {
                return;
            }
            // A source that keeps no links (tests' fakes): the samples alone.
            if (link is null) return;
            if (failures > 0) logger.LogInformation("Commit watch of {Datanode}: linked to its slave {Endpoint} again", pair.Name, pair.Slave!.Endpoint);
            failures = 0;
            await using (link.ConfigureAwait(false))
            {
                try
                {
                    await link.Lost.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            logger.LogInformation("Commit watch of {Datanode}: its slave {Endpoint} closed the link (its server ended); sampling the master now and at every tick for a while",
                pair.Name, pair.Slave!.Endpoint);
            wake.Wake();
            if (!await DelayAsync(LinkRetry, cancellationToken).ConfigureAwait(false)) return;
        }
    }

    /// <summary>Runs <paramref name="open"/> (a session or a link) once one of the <see cref="MaxConcurrentOpens"/> opening
    /// slots shared by every master is free.</summary>
    private async Task<T> OneOfFewAsync<T>(Func<Task<T>> open, CancellationToken cancellationToken)
    {
        await _opening.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await open().ConfigureAwait(false);
        }
        finally
        {
            _opening.Release();
        }
    }

    /// <summary>Samples at every shared tick until the watch stops (true) or a sample times out (false); a failed
    /// sample throws.</summary>
    private async Task<bool> SampleUntilStoppedAsync(ICommitWatchSession session, DatanodePair pair, CommitWatchRule rule, LastAsked asked,
        TimeSpan timeout, CommitWatchTicker ticker, CommitWatchWake wake, CancellationToken cancellationToken)
    {
        long seen;
        do
        {
            seen = ticker.Count;
            CommitSample sample;
            try
            {
                sample = await session.SampleAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return false;
            }
            Interlocked.Increment(ref _samples);
            var verdict = rule.Observe(sample);
            // The latest measured silence (or its end) goes to the next poll as evidence, at every sample.
            monitor.NoteSilentSlave(pair.Name, verdict.Sighting);
            if (verdict.Kind == CommitWatchKind.None)
            {
                asked.Kind = CommitWatchKind.None;
                continue;
            }
            if (verdict.Kind == asked.Kind && time.GetElapsedTime(asked.At) < RepeatAfter) continue;
            if (asked.Kind != verdict.Kind) logger.LogWarning("Commit watch: {Reason}; polling now", verdict.Reason);
            asked.Kind = verdict.Kind;
            asked.At = time.GetTimestamp();
            monitor.RequestPoll(verdict.Kind);
        }
        // The shared tick: every master samples in the same burst (see CommitWatchTicker); an idle one every few ticks,
        // on the ticks every other idle master samples at. A wait ended early by the wake (the slave's link broke, not the
        // stop) samples at once.
        while (await ticker.WaitForMultipleAsync(seen, rule.TicksToNext, wake.Token).ConfigureAwait(false) || Woken());
        return true;

        bool Woken()
        {
            if (!wake.Rearm()) return false;
            rule.Hasten();
            return true;
        }
    }

    /// <summary>What the watch of one master last asked the monitor for, and when (a timestamp): the same ask is not
    /// repeated within <see cref="RepeatAfter"/>.</summary>
    private sealed class LastAsked
    {
        public CommitWatchKind Kind = CommitWatchKind.None;
        public long At;
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
