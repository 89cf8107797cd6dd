using PgxcBot.Core.Messages;
using PgxcBot.Core.Monitoring;
using PgxcBot.IntegrationTests.Monitoring;

namespace PgxcBot.Benchmarks;

/// <summary>
/// <c>monitor</c>: what the monitor buys at its default 1 s interval, on a real sync pair on loopback.
/// (1) Commit stall after kill -9 of the sync slave: a writer commits in a loop; the stall is the longest
/// gap between two acknowledged commits around the kill (the monitor switches the pair to async).
/// (1b) The same with the slave frozen (SIGSTOP: its connections stay open, the master lists it as streaming).
/// (2) Time from kill -9 of the master to the master-lost alert (MasterLossRule: two refusals 200 ms apart).
/// The fast commit watch runs beside the monitor, as the host wires it.
/// Between trials the killed server is restarted and the pair is back in sync.
/// </summary>
internal sealed class MonitorBenchmark : IBenchmark
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public string Name => "monitor";

    public string Description => "commit stall after losing (killed or frozen) the sync slave, and master death → alert. Options: --trials 10 --frozen-trials 5 --master-trials 10";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        var options = new BenchmarkOptions(arguments, "trials", "frozen-trials", "master-trials");
        var trials = options.Int("trials", 10, 1, 1000);
        var frozenTrials = options.Int("frozen-trials", 5, 0, 1000);
        var masterTrials = options.Int("master-trials", 10, 0, 1000);
        var figures = await MeasureAsync(trials, masterTrials, progress, cancellationToken, frozenTrials);

        await output.WriteLineAsync($"### Monitor at the default 1 s interval ({MachineFacts.Describe(null)})");
        await output.WriteLineAsync();
        await output.WriteLineAsync("| measure | trials | median | p95 | min | max | target |");
        await output.WriteLineAsync("|---|---|---|---|---|---|---|");
        await Row(output, "commit stall after kill -9 of the sync slave (longest gap between acknowledged commits)", Stats.Of(figures.Stalls), "median ≤ 100 ms, p95 ≤ 250 ms");
        await Row(output, "kill -9 of the sync slave → switch-to-async message", Stats.Of(figures.Detections), "–");
        if (figures.FrozenStalls.Count > 0)
            await Row(output, "commit stall with the sync slave frozen (SIGSTOP)", Stats.Of(figures.FrozenStalls), "≤ 1 s");
        if (figures.AlertTimes.Count > 0)
            await Row(output, "kill -9 of the master → master-lost alert (MasterLossRule)", Stats.Of(figures.AlertTimes), "≤ 1 s");
        return 0;
    }

    /// <summary>Runs the trials on a fresh sync pair (torn down before returning) and returns the samples in
    /// milliseconds; <c>autofailover</c> calls this too, so both tools are measured by the same code.</summary>
    internal static async Task<MonitorFigures> MeasureAsync(int trials, int masterTrials, TextWriter progress, CancellationToken cancellationToken,
        int frozenTrials = 0)
    {
        // Each master death must be its own incident: no reopen window between trials.
        var alerts = AlertSettings.Default with { ReopenWindow = TimeSpan.FromMilliseconds(1) };
        await progress.WriteLineAsync("monitor: building a sync pair + 2 coordinator simulators...");
        await using var lab = await MonitorLab.StartAsync(LabReplicationMode.Sync, cancellationToken, alerts);
        await lab.PollsAsync(2, cancellationToken);

        var stalls = new List<double>();
        var detections = new List<double>();
        for (var i = 0; i < trials; i++)
        {
            var (stall, detection) = await SlaveLossTrialAsync(lab, lab.Pair.Slave.KillAsync, lab.Pair.Slave.StartAsync, cancellationToken);
            stalls.Add(stall);
            detections.Add(detection);
            await progress.WriteLineAsync($"monitor: slave trial {i + 1}/{trials}: commit stall {stall:0} ms");
        }

        var frozenStalls = new List<double>();
        for (var i = 0; i < frozenTrials; i++)
        {
            var (stall, _) = await SlaveLossTrialAsync(lab, lab.Pair.Slave.FreezeAsync, lab.Pair.Slave.ThawAsync, cancellationToken);
            frozenStalls.Add(stall);
            await progress.WriteLineAsync($"monitor: frozen-slave trial {i + 1}/{frozenTrials}: commit stall {stall:0} ms");
        }

        var alertTimes = new List<double>();
        for (var i = 0; i < masterTrials; i++)
        {
            await WaitForSyncAsync(lab, cancellationToken);
            await WaitQuietAsync(lab, cancellationToken);
            await Task.Delay(Random.Shared.Next(0, 1000), cancellationToken);
            var killedAt = Stopwatch.GetTimestamp();
            await lab.Pair.Master.KillAsync(cancellationToken);
            var (_, alertAt) = await lab.Notifications.WaitForAsync(
                n => n.IncidentKey == "datanode1/master-lost" && n.Kind == NotificationKind.Raised, Deadline, "the master-lost alert", cancellationToken, killedAt);
            var took = Stopwatch.GetElapsedTime(killedAt, alertAt).TotalMilliseconds;
            alertTimes.Add(took);
            await progress.WriteLineAsync($"monitor: master trial {i + 1}/{masterTrials}: alert after {took:0} ms");
            await lab.Pair.Master.StartAsync(cancellationToken);
        }

        return new MonitorFigures(stalls, detections, alertTimes) { FrozenStalls = frozenStalls };
    }

    /// <summary>One trial: the pair in sync under a committing writer, at a random phase against the poll ticks;
    /// <paramref name="lose"/> the slave (kill -9 or SIGSTOP); the commit stall (the longest gap between acknowledged
    /// commits around it, ms) and the time to the switch-to-async message (ms); then <paramref name="restore"/> and
    /// back in sync.</summary>
    private static async Task<(double Stall, double Detection)> SlaveLossTrialAsync(MonitorLab lab, Func<CancellationToken, Task> lose,
        Func<CancellationToken, Task> restore, CancellationToken cancellationToken)
    {
        await WaitForSyncAsync(lab, cancellationToken);
        await using var writer = await CommitWriter.StartAsync(lab.Pair.Master.ConnectionString, cancellationToken);
        await writer.WaitForCommitAfterAsync(Stopwatch.GetTimestamp(), Deadline, cancellationToken);
        await Task.Delay(Random.Shared.Next(0, 1000), cancellationToken);

        var lostAt = Stopwatch.GetTimestamp();
        await lose(cancellationToken);
        try
        {
            var (_, switchedAt) = await lab.Notifications.WaitForAsync(
                n => n.IncidentKey == "datanode1/slave-lost" && n.Message.Title.Contains("switched to async", StringComparison.Ordinal),
                Deadline, "the switch to async", cancellationToken, lostAt);
            await writer.WaitForCommitAfterAsync(switchedAt, Deadline, cancellationToken);
            return (writer.LongestGapAround(lostAt).TotalMilliseconds, Stopwatch.GetElapsedTime(lostAt, switchedAt).TotalMilliseconds);
        }
        finally
        {
            await restore(cancellationToken);
            await lab.Notifications.WaitForAsync(n => n.Message.Title == "datanode1: back in sync", Deadline, "sync re-enabled", cancellationToken, lostAt);
        }
    }

    private static Task Row(TextWriter output, string what, Stats s, string target) => output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
        $"| {what} | {s.Count} | {s.Median:0} ms | {s.P95:0} ms | {s.Min:0} ms | {s.Max:0} ms | {target} |"));

    private static async Task WaitForSyncAsync(MonitorLab lab, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                var state = await lab.QueryAsync<string>(lab.Pair.Master,
                    $"SELECT coalesce((SELECT sync_state FROM pg_stat_replication WHERE application_name = '{lab.Pair.ApplicationName}'), 'none')", cancellationToken);
                if (state == "sync" && lab.Monitor.Latest?.Pairs[0].Condition == Core.Assessment.ObservedCondition.Sync) return;
            }
            catch (Npgsql.NpgsqlException) { }
            if (Stopwatch.GetElapsedTime(started) > Deadline) throw new TimeoutException("the pair did not return to sync");
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Until no incident is open, so the next death is a new incident.</summary>
    private static async Task WaitQuietAsync(MonitorLab lab, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (await lab.Store.GetActiveIncidentsAsyncOrEmpty(cancellationToken) > 0)
        {
            if (Stopwatch.GetElapsedTime(started) > Deadline) throw new TimeoutException("incidents did not clear");
            await Task.Delay(100, cancellationToken);
        }
    }
}

/// <summary>Samples of the monitor benchmark, in milliseconds: commit stalls, slave kill → switch to async,
/// master kill → master-lost alert.</summary>
internal sealed record MonitorFigures(IReadOnlyList<double> Stalls, IReadOnlyList<double> Detections, IReadOnlyList<double> AlertTimes)
{
    /// <summary>Commit stalls with the sync slave frozen, in milliseconds (empty unless asked for).</summary>
    public IReadOnlyList<double> FrozenStalls { get; init; } = [];
}

internal static class StoreCounts
{
    public static async Task<int> GetActiveIncidentsAsyncOrEmpty(this PgxcBot.Store.SqliteStore store, CancellationToken cancellationToken) =>
        (await new PgxcBot.Store.SqliteMonitorStore(store, TimeProvider.System).GetActiveIncidentsAsync(cancellationToken)).Count;
}
