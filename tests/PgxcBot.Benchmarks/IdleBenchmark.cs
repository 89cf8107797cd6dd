using PgxcBot.IntegrationTests.Monitoring;

namespace PgxcBot.Benchmarks;

/// <summary>
/// <c>idle</c>: what watching costs when nothing happens. The monitor (1 s polls) and the fast commit watch
/// (one query per master every 50 ms) watch N healthy sync pairs for a while; the process's CPU time over
/// that window and its resident set are reported, with the same window with the commit watch off beside it.
/// The two simulated coordinators run in this process too, so the figures are an upper bound for the bot.
/// </summary>
internal sealed class IdleBenchmark : IBenchmark
{
    public string Name => "idle";

    public string Description => "CPU and RSS of the monitor + commit watch on N idle sync pairs. Options: --pairs 16 --seconds 60 --watch both|on|off";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        var options = new BenchmarkOptions(arguments, "pairs", "seconds", "watch");
        var pairs = options.Int("pairs", 16, 1, 64);
        var seconds = options.Int("seconds", 60, 5, 3600);
        // One mode alone is for profiling it (a trace attached while "measuring" is printed).
        bool[] modes = options.String("watch", "both") switch
        {
            "both" => [true, false],
            "on" => [true],
            "off" => [false],
            var other => throw new BenchmarkArgumentException($"--watch '{other}' is not one of both, on, off."),
        };
        var rows = new List<string>();
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
}
