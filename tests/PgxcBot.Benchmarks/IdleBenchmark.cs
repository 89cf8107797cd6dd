using PgxcBot.IntegrationTests.Monitoring;

namespace PgxcBot.Benchmarks;

/// <summary>
/// <c>idle</c>: what watching costs when nothing happens. The monitor (1 s polls) and the fast commit watch
/// (one query per master every 50 ms) watch N healthy sync pairs for a while; CPU time over that window and the
/// resident set are reported, with the same window with the commit watch off beside it. <c>--process bot</c> (the
/// default) measures <c>pgxcbot serve</c> in a process of its own (<see cref="IdleBotProcess"/>), as an operator runs
/// it; <c>--process lab</c> measures the monitor built in this process beside the lab's coordinator simulators (an
/// upper bound, for profiling with the lab's own counters).
/// </summary>
internal sealed class IdleBenchmark : IBenchmark
{
    public string Name => "idle";

    public string Description =>
        "CPU and RSS of the monitor + commit watch on N idle sync pairs. Options: --pairs 16 --seconds 60 --watch both|on|off " +
        "--process bot|lab (bot: `pgxcbot serve` measured from outside) --warmup-seconds 300 (bot: tiered JIT still recompiles the 1 s poll's methods for the first minutes) --bot-env NAME=VALUE[,NAME=VALUE] (bot: runtime knobs). PGXCBOT_BENCH_BOT=PATH runs a published pgxcbot executable (ahead-of-time compiled) instead of the dll";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        var options = new BenchmarkOptions(arguments, "pairs", "seconds", "watch", "process", "warmup-seconds", "bot-env");
        var pairs = options.Int("pairs", 16, 1, 64);
        var seconds = options.Int("seconds", 60, 5, 3600);
        // Five minutes: methods called once a second reach tier 1 only after their instrumented tier, and the JIT was
        // half of the bot's CPU samples 75 s after its start (perf), 13,440 methods compiled by 100 s and 13,671 by 5 min
        // (DOTNET_JitStdOutFile): the steady state an operator's bot lives in comes after that.
        var warmup = options.Int("warmup-seconds", 300, 0, 1800);
        var inBot = options.String("process", "bot") switch
        {
            "bot" => true,
            "lab" => false,
            var other => throw new BenchmarkArgumentException($"--process '{other}' is not one of bot, lab."),
        };
        var botEnvironment = BotEnvironment(options.String("bot-env", ""));
        // One mode alone is for profiling it (a trace attached while "measuring" is printed).
        bool[] modes = options.String("watch", "both") switch
        {
            "both" => [true, false],
            "on" => [true],
            "off" => [false],
            var other => throw new BenchmarkArgumentException($"--watch '{other}' is not one of both, on, off."),
        };
        var rows = new List<string>();
        if (inBot)
        {
            await progress.WriteLineAsync($"idle: building {pairs} sync pairs + 2 coordinator simulators...");
            await using var cluster = await LabCluster.StartAsync(new LabPairOptions(), pairs, LabReplicationMode.Sync, 2, 4, cancellationToken);
            foreach (var watch in modes)
            {
                var f = await IdleBotProcess.MeasureAsync(cluster, watch, TimeSpan.FromSeconds(warmup), TimeSpan.FromSeconds(seconds), botEnvironment,
                    progress, cancellationToken);
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {pairs} | {(watch ? "on (50 ms)" : "off")} | `pgxcbot serve`{(botEnvironment.Count == 0 ? "" : " with " + string.Join(' ', botEnvironment.Select(e => $"{e.Key}={e.Value}")))} | {f.Window.TotalSeconds:0} | {f.CorePercent:0.00} % | {f.RssMiB:0} MiB | {f.PeakRssMiB:0} MiB | ≤ 2 % / ≤ 100 MB |"));
                await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"idle: commit watch {(watch ? "on" : "off")}: {f.CorePercent:0.00} % of a core, RSS {f.RssMiB:0} MiB"));
            }
            await output.WriteLineAsync($"### Idle cost of `pgxcbot serve`, {ServingBotProcess.Describe()} ({MachineFacts.Describe(null)}; load {MachineFacts.LoadAverage()})");
            await output.WriteLineAsync();
            await output.WriteLineAsync("| pairs | commit watch | process | window (s) | CPU (of one core) | RSS at end | peak RSS | target |");
            await output.WriteLineAsync("|---:|---|---|---:|---:|---:|---:|---|");
            foreach (var row in rows) await output.WriteLineAsync(row);
            return 0;
        }
        foreach (var watch in modes)
        {
            await progress.WriteLineAsync($"idle: building {pairs} sync pairs + 2 coordinator simulators (commit watch {(watch ? "on" : "off")})...");
            await using var lab = await MonitorLab.StartAsync(LabReplicationMode.Sync, cancellationToken, pairs: pairs,
                adjust: t => watch ? t : t with { Monitor = t.Monitor with { CommitWatchInterval = TimeSpan.Zero } });
            await lab.PollsAsync(3, cancellationToken);
            GC.Collect();
            using var self = Process.GetCurrentProcess();
            self.Refresh();
            var cpuBefore = self.TotalProcessorTime;
            var pollsBefore = lab.Monitor.Polls;
            var samplesBefore = lab.CommitWatch.Samples;
            var started = Stopwatch.GetTimestamp();
            long peakRss = 0;
            await progress.WriteLineAsync($"idle: measuring for {seconds} s (pid {Environment.ProcessId})");
            // The measured window: nothing happens, the bot watches.
            while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(seconds))
            {
                await Task.Delay(1000, cancellationToken);
                self.Refresh();
                peakRss = Math.Max(peakRss, self.WorkingSet64);
            }
            self.Refresh();
            var wall = Stopwatch.GetElapsedTime(started);
            var cpu = self.TotalProcessorTime - cpuBefore;
            var core = cpu / wall * 100;
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {pairs} | {(watch ? "on (50 ms)" : "off")} | {wall.TotalSeconds:0} | {lab.Monitor.Polls - pollsBefore} | {lab.CommitWatch.Samples - samplesBefore} | {core:0.00} % | {self.WorkingSet64 / 1048576.0:0} MiB | {peakRss / 1048576.0:0} MiB | ≤ 2 % / ≤ 100 MB |"));
            await progress.WriteLineAsync($"idle: commit watch {(watch ? "on" : "off")}: {core:0.00} % of a core, RSS {self.WorkingSet64 / 1048576.0:0} MiB");
        }
        await output.WriteLineAsync($"### Idle cost ({MachineFacts.Describe(null)})");
        await output.WriteLineAsync();
        await output.WriteLineAsync("| pairs | commit watch | window (s) | polls | watch samples | CPU (of one core) | RSS at end | peak RSS | target |");
        await output.WriteLineAsync("|---:|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var row in rows) await output.WriteLineAsync(row);
        return 0;
    }

    /// <summary>"NAME=VALUE,NAME=VALUE" as a map; names are environment variable names.</summary>
    private static Dictionary<string, string> BotEnvironment(string text)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = item.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0 || !item[..at].All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw new BenchmarkArgumentException($"--bot-env '{item}' is not NAME=VALUE (e.g. DOTNET_gcServer=0).");
            map[item[..at]] = item[(at + 1)..];
        }
        return map;
    }
}
