using System.Text.Json.Nodes;

namespace PgxcBot.Benchmarks;

/// <summary>
/// The idle cost of the bot as an operator runs it: <c>pgxcbot serve --config FILE</c> in a process of its own (no
/// Discord configured: alerts go to its log) over a lab of healthy sync pairs whose coordinator simulators live in
/// this benchmark's process. Its CPU time (utime + stime from /proc, through <see cref="Process.TotalProcessorTime"/>)
/// and resident set are read from outside over the window, after a warm-up, so nothing of the lab or of this harness
/// is counted.
/// </summary>
internal static class IdleBotProcess
{
    /// <summary>One window's figures.</summary>
    /// <param name="CorePercent">CPU time over wall time, in % of one core.</param>
    /// <param name="RssMiB">Resident set at the end, MiB.</param>
    /// <param name="PeakRssMiB">Highest resident set read once a second in the window, MiB.</param>
    /// <param name="Window">The measured wall time.</param>
    public sealed record Figures(double CorePercent, double RssMiB, double PeakRssMiB, TimeSpan Window);

    /// <summary>Starts the bot on <paramref name="cluster"/>, waits <paramref name="warmup"/>, measures for
    /// <paramref name="window"/>, stops it.</summary>
    /// <param name="watch">False: the commit watch is off (<c>monitor.commitWatchSeconds = 0</c>).</param>
    /// <param name="environment">Extra environment for the bot process (runtime knobs being compared).</param>
    /// <exception cref="InvalidOperationException">The bot exited during the run; the message ends with its last output lines.</exception>
    public static async Task<Figures> MeasureAsync(LabCluster cluster, bool watch, TimeSpan warmup, TimeSpan window,
        IReadOnlyDictionary<string, string> environment, TextWriter progress, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("pgxcbot-bench-idle-").FullName;
        try
        {
            var config = Path.Combine(folder, "pgxcbot.json");
            var json = JsonNode.Parse(LabConfigFile.Render(cluster, Path.Combine(folder, "pgxcbot.db"), PgBinaries.Discover()))!.AsObject();
            if (!watch) json["monitor"] = new JsonObject { ["commitWatchSeconds"] = 0 };
            await File.WriteAllTextAsync(config, json.ToJsonString(), cancellationToken);

            await using var serving = ServingBotProcess.Start(config, environment);
            var bot = serving.Process;
            await progress.WriteLineAsync($"idle: pgxcbot serve (pid {bot.Id}) on {cluster.Pairs.Count} pairs, commit watch {(watch ? "on" : "off")}; warming up {warmup.TotalSeconds:0} s");
            await Task.Delay(warmup, cancellationToken);
            serving.EnsureAlive("the idle run");
            bot.Refresh();
            var cpuBefore = bot.TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            long peak = 0;
            while (Stopwatch.GetElapsedTime(started) < window)
            {
                await Task.Delay(1000, cancellationToken);
                serving.EnsureAlive("the idle run");
                bot.Refresh();
                peak = Math.Max(peak, bot.WorkingSet64);
            }
            bot.Refresh();
            var wall = Stopwatch.GetElapsedTime(started);
            var cpu = bot.TotalProcessorTime - cpuBefore;
            return new Figures(cpu / wall * 100, bot.WorkingSet64 / 1048576.0, peak / 1048576.0, wall);
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }
}
