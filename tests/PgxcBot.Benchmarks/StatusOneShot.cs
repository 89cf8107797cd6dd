
namespace PgxcBot.Benchmarks;

/// <summary>
/// The one-shot <c>pgxcbot status --config FILE</c> as a user runs it: a fresh <c>dotnet pgxcbot.dll</c> process
/// per run (the dll beside this benchmark's own), timed from process start to exit, over the config an operator
/// would write for the lab (<see cref="LabConfigFile"/>, SQLite store in a folder of its own). The first run
/// creates the store; it is reported apart from the runs measured after it.
/// </summary>
internal static class StatusOneShot
{
    /// <summary>The first run (fresh store) and <paramref name="runs"/> runs after it, in ms; anomalies name
    /// the run and what went wrong (an exit code other than 0 = OK, or a run over its 60 s bound).</summary>
    public static async Task<(double First, Stats Runs, IReadOnlyList<string> Anomalies)> MeasureAsync(LabCluster cluster, int runs,
        CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("pgxcbot-bench-status-").FullName;
        try
        {
            var config = Path.Combine(folder, "pgxcbot.json");
            await File.WriteAllTextAsync(config, LabConfigFile.Render(cluster, Path.Combine(folder, "pgxcbot.db"), PgBinaries.Discover()),
                cancellationToken);
            var anomalies = new List<string>();
            var first = await RunOnceAsync(config, "first run", anomalies, cancellationToken);
            var times = new List<double>();
            for (var i = 1; i <= runs; i++) times.Add(await RunOnceAsync(config, $"run {i}", anomalies, cancellationToken));
            return (first, Stats.Of(times), anomalies);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Keeps the lab up for <paramref name="hold"/> (or until cancelled) with its config written, for
    /// profiling the CLI by hand; the config's path goes to <paramref name="progress"/>.</summary>
    public static async Task HoldAsync(LabCluster cluster, TimeSpan hold, TextWriter progress, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("pgxcbot-bench-status-").FullName;
        try
        {
            var config = Path.Combine(folder, "pgxcbot.json");
            await File.WriteAllTextAsync(config, LabConfigFile.Render(cluster, Path.Combine(folder, "pgxcbot.db"), PgBinaries.Discover()),
                cancellationToken);
            await progress.WriteLineAsync($"status: lab of {cluster.Pairs.Count} pairs held for {hold.TotalSeconds:0} s (Ctrl+C ends it): " +
                $"dotnet {Path.Combine(AppContext.BaseDirectory, "pgxcbot.dll")} status --config {config}");
            try { await Task.Delay(hold, cancellationToken); }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<double> RunOnceAsync(string config, string label, List<string> anomalies, CancellationToken cancellationToken)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "pgxcbot.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { dll, "status", "--config", config }) start.ArgumentList.Add(argument);
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            anomalies.Add($"{label}: still running after 60 s; killed");
        }
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await Task.WhenAll(output, error);
        if (process.HasExited && process.ExitCode != 0)
        {
            // The verdict's first two lines (worst problem; pairs healthy), else the first error line: config warnings are not why.
            var why = string.Join(" ", (await output).Split('\n').Take(2).Select(l => l.Trim()).Where(l => l.Length > 0)) is { Length: > 0 } verdict
                ? verdict
                : (await error).Split('\n').FirstOrDefault(l => l.StartsWith("error", StringComparison.Ordinal));
            anomalies.Add($"{label}: exit code {process.ExitCode}{(why is null ? "" : ": " + why.Trim())}");
        }
        return elapsed;
    }
}
