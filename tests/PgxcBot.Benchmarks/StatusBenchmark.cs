using PgxcBot.Lab.Faults;
using Microsoft.Extensions.Logging.Abstractions;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;
using PgxcBot.Postgres;

namespace PgxcBot.Benchmarks;

/// <summary>
/// <c>status</c> latency: one <see cref="NpgsqlClusterObserver.ObserveAsync"/> plus one
/// <see cref="ClusterAssessor.Assess(ClusterTopology, ClusterSnapshot)"/> over a lab of N real sync pairs
/// and two coordinator simulators, on loopback, as a running bot does it (the observer and its connection
/// pools live across runs). Then the same cluster with one slave black-holed, to show a dead host costs
/// at most its connect timeout. With <c>--oneshot-runs</c>, also the one-shot CLI as a user runs it
/// (<see cref="StatusOneShot"/>: a fresh process per run). The servers get minimal settings (2 MB shared_buffers,
/// 20 connections) so that 128 pairs (256 servers) fit a small machine.
/// </summary>
internal sealed class StatusBenchmark : IBenchmark
{
    private const int Coordinators = 2;

    public string Name => "status";

    public string Description =>
        "status latency over N real pairs + 2 coordinator simulators. Options: --pairs 1,8,32 --runs 30 --warmup 3 " +
        "--hold-seconds 0 (keep each lab up this long for profiling by hand, measure nothing) --build-degree 4 --blackhole-pairs 8 (0 = skip) --blackhole-runs 10 --oneshot-runs 10 (fresh `pgxcbot status` processes; 0 = skip) --viabot-runs 10 (the same beside a serving bot with monitor.httpListen; 0 = skip) --viabot-settle-seconds 60 (wait this long after the bot's first status before the runs: its start opens three sessions per server, which on 2 cores with 64 pairs kept the host at load 58 for the first minute; 0 = measure the start)";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        var options = new BenchmarkOptions(arguments, "pairs", "runs", "warmup", "build-degree", "blackhole-pairs", "blackhole-runs", "oneshot-runs", "viabot-runs", "viabot-settle-seconds", "hold-seconds");
        var pairCounts = options.IntList("pairs", [1, 8, 32], 1, 128);
        var runs = options.Int("runs", 30, 1, 10_000);
        var warmup = options.Int("warmup", 3, 0, 1000);
        var degree = options.Int("build-degree", 4, 1, 64);
        var blackholePairs = options.Int("blackhole-pairs", 8, 0, 128);
        var blackholeRuns = options.Int("blackhole-runs", 10, 1, 10_000);
        var oneShotRuns = options.Int("oneshot-runs", 10, 0, 1000);
        var viaBotRuns = options.Int("viabot-runs", 10, 0, 1000);
        var viaBotSettle = TimeSpan.FromSeconds(options.Int("viabot-settle-seconds", 60, 0, 3600));
        var holdSeconds = options.Int("hold-seconds", 0, 0, 3600);
        if (blackholePairs > 0 && !pairCounts.Contains(blackholePairs))
            throw new BenchmarkArgumentException($"--blackhole-pairs {blackholePairs} must be one of --pairs ({string.Join(',', pairCounts)}), or 0 to skip.");

        var monitor = MonitorSettings.Default;
        var rows = new List<Row>();
        var oneShots = new List<string>();
        var viaBots = new List<string>();
        var notes = new List<string>();
        string? postgresVersion = null;

        foreach (var count in pairCounts)
        {
            await progress.WriteLineAsync($"status: building {count} sync pair(s) + {Coordinators} coordinator simulators (degree {degree})...");
            var build = Stopwatch.StartNew();
            await using var cluster = await LabCluster.StartAsync(new LabPairOptions { SharedBuffers = "2MB", MaxConnections = 20 }, count, LabReplicationMode.Sync,
                Coordinators, degree, cancellationToken);
            build.Stop();
            var topology = cluster.ToTopology(monitor);
            if (holdSeconds > 0)
            {
                await StatusOneShot.HoldAsync(cluster, TimeSpan.FromSeconds(holdSeconds), progress, cancellationToken);
                continue;
            }
            await using var observer = new NpgsqlClusterObserver(new NoPasswordResolver(), TimeProvider.System,
                NullLogger<NpgsqlClusterObserver>.Instance);

            await progress.WriteLineAsync($"status: {count} pair(s) built in {build.Elapsed.TotalSeconds:0.0} s; measuring {runs} runs...");
            var healthy = await MeasureAsync(observer, topology, warmup, runs, ExpectHealthy, cancellationToken);
            postgresVersion ??= healthy.PostgresVersion;
            rows.Add(new Row($"{count} pair{(count == 1 ? "" : "s")}, healthy", count, healthy, build.Elapsed, MachineFacts.PeakWorkingSetMiB(),
                MachineFacts.LoadAverage()));
            notes.AddRange(healthy.Anomalies.Take(3).Select(a => $"{count} pairs: {a}"));

            if (oneShotRuns > 0)
            {
                await progress.WriteLineAsync($"status: {count} pair(s), one-shot `pgxcbot status`: a first run, then {oneShotRuns} measured...");
                var (first, oneShot, oneShotAnomalies) = await StatusOneShot.MeasureAsync(cluster, oneShotRuns, cancellationToken);
                oneShots.Add($"| {count} | {Ms(first)} | {oneShot.Count} | {Ms(oneShot.Median)} | {Ms(oneShot.P95)} | {Ms(oneShot.Min)} | {Ms(oneShot.Max)} | {MachineFacts.LoadAverage()} |");
                notes.AddRange(oneShotAnomalies.Take(3).Select(a => $"{count} pairs one-shot: {a}"));
                rows[^1] = rows[^1] with { Anomalies = oneShotAnomalies.Count };
            }

            if (viaBotRuns > 0)
            {
                await progress.WriteLineAsync($"status: {count} pair(s), `pgxcbot status` beside a serving bot: {viaBotRuns} runs...");
                var (ready, viaBot, botObservation, viaBotAnomalies) = await StatusOneShot.MeasureViaBotAsync(cluster, viaBotRuns, viaBotSettle, progress, cancellationToken);
                viaBots.Add($"| {count} | {Ms(ready)} | {viaBotSettle.TotalSeconds:0} | {viaBot.Count} | {Ms(viaBot.Median)} | {Ms(viaBot.P95)} | {Ms(viaBot.Min)} | {Ms(viaBot.Max)} | " +
                    $"{(botObservation is null ? "–" : botObservation.Median < 50 ? "< 50" : Ms(botObservation.Median))} | {MachineFacts.LoadAverage()} |");
                notes.AddRange(viaBotAnomalies.Take(3).Select(a => $"{count} pairs via the serving bot: {a}"));
                rows[^1] = rows[^1] with { Anomalies = rows[^1].Anomalies + viaBotAnomalies.Count };
            }

            if (count != blackholePairs) continue;
            await using var hole = new BlackHoleListener();
            var victim = topology.Datanodes[^1];
            var holed = topology.WithPair(victim with { Slave = new ServerLocation("localhost", "127.0.0.1", hole.Port, "/black-hole") });
            await progress.WriteLineAsync($"status: {count} pairs with {victim.Name}'s slave black-holed; measuring {blackholeRuns} runs...");
            var blackHoled = await MeasureAsync(observer, holed, warmup: 1, blackholeRuns,
                s => ExpectBlackHoled(s, victim.Name), cancellationToken);
            rows.Add(new Row($"{count} pairs, 1 slave black-holed", count, blackHoled, null, MachineFacts.PeakWorkingSetMiB(),
                MachineFacts.LoadAverage()));
            notes.AddRange(blackHoled.Anomalies.Take(3).Select(a => $"{count} pairs black-holed: {a}"));
            notes.Add($"The black-holed slave added {blackHoled.Total.Median - healthy.Total.Median:0} ms to the median " +
                $"and {blackHoled.Total.P95 - healthy.Total.P95:0} ms to the p95, with a connect timeout of {monitor.ConnectTimeout.TotalMilliseconds:0} ms.");
        }

        await output.WriteLineAsync(Render(rows, monitor, runs, warmup, degree, postgresVersion, notes));
        if (oneShots.Count > 0)
        {
            await output.WriteLineAsync();
            await output.WriteLineAsync($"One-shot `pgxcbot status --config FILE` ({ServingBotProcess.Describe()}), a fresh process per run, wall clock from start to exit " +
                "(the first run creates the SQLite store):");
            await output.WriteLineAsync();
            await output.WriteLineAsync("| Pairs | First run (ms) | Runs | Median (ms) | p95 (ms) | Min (ms) | Max (ms) | Load average (1/5/15 min) |");
            await output.WriteLineAsync("|---:|---:|---:|---:|---:|---:|---:|---|");
            foreach (var line in oneShots) await output.WriteLineAsync(line);
        }
        if (viaBots.Count > 0)
        {
            await output.WriteLineAsync();
            await output.WriteLineAsync($"`pgxcbot status --config FILE` ({ServingBotProcess.Describe()}) beside `pgxcbot serve` on the same config with monitor.httpListen " +
                "(the CLI asks the bot, which observes on its warm connections), a fresh CLI process per run, wall clock from start to exit; " +
                "the bot's observation is the status's own `Took` (0.1 s resolution):");
            await output.WriteLineAsync();
            await output.WriteLineAsync("| Pairs | Bot's start → first status (ms) | Settle before the runs (s) | Runs | Median (ms) | p95 (ms) | Min (ms) | Max (ms) | Bot's observation, median (ms) | Load average (1/5/15 min) |");
            await output.WriteLineAsync("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            foreach (var line in viaBots) await output.WriteLineAsync(line);
        }
        return rows.Any(r => r.Result.Anomalies.Count > 0 || r.Anomalies > 0) ? 1 : 0;
    }

    private static async Task<Measurement> MeasureAsync(NpgsqlClusterObserver observer, ClusterTopology topology, int warmup, int runs,
        Func<ClusterSnapshot, string?> check, CancellationToken cancellationToken)
    {
        // The first run opens every connection (what a one-shot `pgxcbot status` pays); later runs reuse
        // the pools, as the running bot does.
        double? cold = null;
        for (var i = 0; i < warmup; i++)
        {
            var start = Stopwatch.GetTimestamp();
            ClusterAssessor.Assess(topology, await observer.ObserveAsync(topology, cancellationToken));
            cold ??= Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        var total = new List<double>();
        var observe = new List<double>();
        var assess = new List<double>();
        var slowestProbe = new List<double>();
        var slowestWhat = new Dictionary<string, int>(StringComparer.Ordinal);
        var anomalies = new List<string>();
        string? version = null;
        for (var i = 0; i < runs; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var snapshot = await observer.ObserveAsync(topology, cancellationToken);
            var observed = Stopwatch.GetTimestamp();
            var assessment = ClusterAssessor.Assess(topology, snapshot);
            var done = Stopwatch.GetTimestamp();
            GC.KeepAlive(assessment);

            total.Add(Stopwatch.GetElapsedTime(started, done).TotalMilliseconds);
            observe.Add(Stopwatch.GetElapsedTime(started, observed).TotalMilliseconds);
            assess.Add(Stopwatch.GetElapsedTime(observed, done).TotalMilliseconds);
            var probes = Probes(snapshot).ToArray();
            var slowest = probes.MaxBy(p => p.Elapsed);
            slowestProbe.Add(slowest.Elapsed.TotalMilliseconds);
            slowestWhat[slowest.Kind] = slowestWhat.GetValueOrDefault(slowest.Kind) + 1;
            version ??= snapshot.Pairs.Select(p => p.Master.Facts?.ServerVersion).FirstOrDefault(v => v is not null);
            if (check(snapshot) is { } anomaly) anomalies.Add($"run {i + 1}: {anomaly}");
        }
        return new Measurement(Stats.Of(total), Stats.Of(observe), Stats.Of(assess), Stats.Of(slowestProbe),
            slowestWhat.MaxBy(kv => kv.Value).Key, anomalies, version, cold);
    }

    private static IEnumerable<(string Kind, TimeSpan Elapsed)> Probes(ClusterSnapshot snapshot)
    {
        foreach (var pair in snapshot.Pairs)
        {
            yield return ("master", pair.Master.Elapsed);
            if (pair.Slave is { } slave) yield return ("slave", slave.Elapsed);
        }
        foreach (var coordinator in snapshot.Coordinators) yield return ("coordinator", coordinator.Elapsed);
    }

    /// <summary>Every probe answered: the benchmark measured a healthy cluster, not a pile of failures.</summary>
    private static string? ExpectHealthy(ClusterSnapshot snapshot)
    {
        var failed = Probes(snapshot).Count() - snapshot.Pairs.Count(p => p.Master.Answered) -
            snapshot.Pairs.Count(p => p.Slave is { Answered: true }) - snapshot.Coordinators.Count(c => c.Answered);
        return failed == 0 ? null : $"{failed} probe(s) did not answer";
    }

    private static string? ExpectBlackHoled(ClusterSnapshot snapshot, string victim)
    {
        var holed = snapshot.Pairs.Single(p => p.Datanode == victim).Slave!;
        if (holed.Status != ProbeStatus.Timeout) return $"the black-holed slave ended {holed.Status}, not Timeout";
        var others = Probes(snapshot).Count() - 1;
        var answered = snapshot.Pairs.Count(p => p.Master.Answered) + snapshot.Pairs.Count(p => p.Slave is { Answered: true }) +
            snapshot.Coordinators.Count(c => c.Answered);
        return answered == others ? null : $"{others - answered} other probe(s) did not answer";
    }

    private static string Render(IReadOnlyList<Row> rows, MonitorSettings monitor, int runs, int warmup, int degree,
        string? postgresVersion, IReadOnlyList<string> notes)
    {
        var lines = new List<string>
        {
            $"`status` latency (observe + assess), {Coordinators} coordinator simulators, sync pairs, loopback; {warmup} warm-up runs, then the runs shown:",
            "",
            "| Cluster | Runs | Median (ms) | p95 (ms) | Max (ms) | Observe median (ms) | Assess median (ms) | Slowest probe median (ms) | First run, cold pools (ms) | Build (s) | Peak working set (MiB) | Load average (1/5/15 min) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        };
        foreach (var row in rows)
        {
            var m = row.Result;
            lines.Add($"| {row.Label} | {m.Total.Count} | {Ms(m.Total.Median)} | {Ms(m.Total.P95)} | {Ms(m.Total.Max)} | " +
                $"{Ms(m.Observe.Median)} | {Ms(m.Assess.Median)} | {Ms(m.SlowestProbe.Median)} ({m.SlowestKind}) | {(m.ColdFirstRun is { } c ? Ms(c) : "–")} | " +
                $"{(row.Build is { } b ? b.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) : "–")} | {row.PeakMiB:0} | {row.Load} |");
        }
        lines.Add("");
        lines.Add($"Connect timeout {monitor.ConnectTimeout.TotalMilliseconds:0} ms, command timeout {monitor.CommandTimeout.TotalMilliseconds:0} ms. " +
            $"Pairs built with LabPairBuilder.BuildManyAsync, at most {degree} at a time (build time includes the 2 simulators). " +
            "Peak working set is this whole process (observer, simulators, benchmark), so far in the run.");
        lines.Add($"Machine: {MachineFacts.Describe(postgresVersion)}.");
        lines.AddRange(notes.Select(n => "- " + n));
        return string.Join(Environment.NewLine, lines);
    }

    private sealed record Measurement(Stats Total, Stats Observe, Stats Assess, Stats SlowestProbe, string SlowestKind,
        IReadOnlyList<string> Anomalies, string? PostgresVersion, double? ColdFirstRun);

    private sealed record Row(string Label, int Pairs, Measurement Result, TimeSpan? Build, double PeakMiB, string Load)
    {
        /// <summary>Anomalies of the one-shot runs measured on this row's lab.</summary>
        public int Anomalies { get; init; }
    }

    private static string Ms(double value) => value.ToString(value < 10 ? "0.0" : "0", CultureInfo.InvariantCulture);

    /// <summary>The lab's loopback servers trust every connection: there is no password to resolve.</summary>
    private sealed class NoPasswordResolver : ISecretResolver
    {
        public string? Resolve(SecretReference? reference) =>
            reference is null ? null : throw new SecretUnavailableException("the benchmark lab uses no passwords");
    }
}
