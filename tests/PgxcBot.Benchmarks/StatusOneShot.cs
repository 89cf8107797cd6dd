using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

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
            var first = (await RunOnceAsync(config, "first run", anomalies, cancellationToken)).Ms;
            var times = new List<double>();
            for (var i = 1; i <= runs; i++) times.Add((await RunOnceAsync(config, $"run {i}", anomalies, cancellationToken)).Ms);
            return (first, Stats.Of(times), anomalies);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The one-shot as it runs beside a serving bot (<c>monitor.httpListen</c> set, <c>pgxcbot serve</c> in a
    /// process of its own, its first observation done): the CLI asks that bot for <c>GET /status</c>, which the bot
    /// observes on its warm connections. The time from the bot's start to its first status (ms),
    /// <paramref name="runs"/> CLI runs in ms, the bot's own observation per run (the status's <c>Took</c>, ms; null
    /// when no run went through the bot), and anomalies (a run that observed by itself, an exit code other than 0). The
    /// runs start <paramref name="settle"/> after the bot's first status (zero: at once, inside its start).</summary>
    /// <exception cref="TimeoutException">The bot did not answer <c>GET /status</c> within five minutes of its start.</exception>
    public static async Task<(double ReadyMs, Stats Runs, Stats? BotObservation, IReadOnlyList<string> Anomalies)> MeasureViaBotAsync(LabCluster cluster, int runs,
        TimeSpan settle, TextWriter progress, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("pgxcbot-bench-status-bot-").FullName;
        try
        {
            var config = Path.Combine(folder, "pgxcbot.json");
            var listen = new IPEndPoint(IPAddress.Loopback, FreePort());
            var json = JsonNode.Parse(LabConfigFile.Render(cluster, Path.Combine(folder, "pgxcbot.db"), PgBinaries.Discover()))!.AsObject();
            (json["monitor"] as JsonObject ?? (JsonObject)(json["monitor"] = new JsonObject()))["httpListen"] = listen.ToString();
            await File.WriteAllTextAsync(config, json.ToJsonString(), cancellationToken);

            await using var bot = ServingBotProcess.Start(config, new Dictionary<string, string>());
            var ready = await WaitServingAsync(bot, new Uri($"http://{listen}/status"), cancellationToken);
            if (settle > TimeSpan.Zero)
            {
                // A measurement condition, not a synchronisation: operators ask a bot that has been running, not one
                // still opening its sessions.
                await progress.WriteLineAsync($"status: the bot answered after {ready:0} ms; letting it settle {settle.TotalSeconds:0} s before the runs");
                await Task.Delay(settle, cancellationToken);
                bot.EnsureAlive("its settling");
            }
            var anomalies = new List<string>();
            var times = new List<double>();
            var observations = new List<double>();
            for (var i = 1; i <= runs; i++)
            {
                var run = await RunOnceAsync(config, $"run {i}", anomalies, cancellationToken);
                times.Add(run.Ms);
                if (!run.Error.Contains("observed just now by the bot serving at", StringComparison.Ordinal))
                    anomalies.Add($"run {i}: observed by itself, not through the serving bot");
                else if (TookMs(run.Output) is { } took) observations.Add(took);
            }
            return (ready, Stats.Of(times), observations.Count == 0 ? null : Stats.Of(observations), anomalies);
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Until the bot answers <c>GET /status</c> with a status (200 with the Nagios header); returns how long
    /// that took from the call (the bot's start beside the lab, ms).</summary>
    /// <exception cref="TimeoutException">No status within five minutes; the message says the last answer.</exception>
    private static async Task<double> WaitServingAsync(ServingBotProcess bot, Uri status, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var started = Stopwatch.GetTimestamp();
        var last = "nothing yet";
        while (true)
        {
            bot.EnsureAlive("its start");
            try
            {
                using var response = await http.GetAsync(status, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK && response.Headers.Contains(PgxcBot.Monitoring.Http.MonitorHttpEndpoint.NagiosHeader))
                    return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                last = e.Message;
            }
            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromMinutes(5))
                throw new TimeoutException($"the serving bot did not answer {status} with a status within five minutes; last: {last}");
            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>The status's own observation time ("Took: 0.3 s"), in ms; null when the text has none.</summary>
    private static double? TookMs(string status)
    {
        var match = Regex.Match(status, @"Took: ([0-9.]+) s");
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * 1000 : null;
    }

    /// <summary>A loopback port free now (the kernel's pick); the bot binds it a moment later.</summary>
    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
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

    /// <summary>One run's wall time (ms, start to exit) and what it printed.</summary>
    private sealed record Run(double Ms, string Output, string Error);

    private static async Task<Run> RunOnceAsync(string config, string label, List<string> anomalies, CancellationToken cancellationToken)
    {
        var start = ServingBotProcess.StartInfo("status", "--config", config);
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
        return new Run(elapsed, await output, await error);
    }
}
