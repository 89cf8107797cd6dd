using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using PgxcBot.Core.Remote;
using PgxcBot.Ssh;
using PgxcBot.Tests.Cli;
using PgxcBot.Tests.Timeline;
using PgxcBot.Tests.Topology;

namespace PgxcBot.Tests.Deploy;

/// <summary>
/// The bot as deployed: <c>dotnet publish src/PgxcBot -c Release -r linux-x64 -p:PublishAot=true</c> (README, Deploy),
/// one native executable without the JIT. Reflection that the compiler cannot see fails only at run time there, so
/// the published executable is built here from a copy of src/ (no shared obj/ with the build under test), with no
/// trim or AOT warning allowed, and then run on what this project's tests run in-process: its answers must equal
/// the in-process CLI's (configuration binding, stored operations with their step and probe kinds, the timeline and
/// status documents). It takes about 2-3 minutes of the 2-core host, beside the integration suite.
/// </summary>
public sealed class NativeBuildTests : IDisposable
{
    private readonly TempConfigDirectory _directory = new();
    private readonly string _copy = Directory.CreateTempSubdirectory("pgxcbot-native-").FullName;

    public void Dispose()
    {
        _directory.Dispose();
        Directory.Delete(_copy, recursive: true);
    }

    [Fact]
    public async Task The_published_native_bot_builds_without_warnings_and_answers_as_the_in_process_cli_does()
    {
        var executable = await PublishAsync();

        // Configuration: the binder's reflection over the option classes (kept whole in the published bot).
        var store = Path.Combine(_directory.Path, "state.db");
        await ScriptedIncident.WriteAsync(await SqliteStore.OpenAsync(store, null, default));
        var config = _directory.Runnable();
        config["store"] = new System.Text.Json.Nodes.JsonObject { ["path"] = store };
        var file = _directory.Write("pgxcbot.json", config.ToJsonString());
        var check = await RunAsync(executable, "check-config", "--config", file, "--file-only");
        var checkInProcess = await CliRun.RunAsync(["check-config", "--config", file, "--file-only"]);
        Assert.True(check.ExitCode == ExitCodes.Ok, check.Error + check.Out);
        Assert.Equal(checkInProcess.Out, check.Out);

        // Stored documents (operations with every step and probe kind, incidents, refusals) read back and rendered.
        var timeline = await RunAsync(executable, "timeline", "datanode1", "--config", file, "--since", "7d", "--json");
        var timelineInProcess = await CliRun.RunAsync(["timeline", "datanode1", "--config", file, "--since", "7d", "--json"]);
        Assert.True(timeline.ExitCode == ExitCodes.Ok, timeline.Error);
        Assert.Equal(ScriptedEvents(timelineInProcess.Out), ScriptedEvents(timeline.Out));
        Assert.Equal(30, ScriptedEvents(timeline.Out).Count);

        // The status document, with every server of the configuration unreachable (nothing listens there).
        var status = await RunAsync(executable, "status", "--config", file, "--json", "--direct");
        var statusInProcess = await CliRun.RunAsync(["status", "--config", file, "--json", "--direct"]);
        Assert.Equal(statusInProcess.ExitCode, status.ExitCode);
        using var native = JsonDocument.Parse(status.Out);
        using var inProcess = JsonDocument.Parse(statusInProcess.Out);
        Assert.Equal(inProcess.RootElement.GetProperty("worst").GetString(), native.RootElement.GetProperty("worst").GetString());
        Assert.Equal(Problems(inProcess), Problems(native));
    }

    /// <summary>The scripted incident's events (the bot's own start may add one of its own, now).</summary>
    private static List<string> ScriptedEvents(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("events").EnumerateArray()
            .Where(e => e.GetProperty("at").GetDateTimeOffset() < ScriptedIncident.At(3600))
            .Select(e => e.GetRawText()).ToList();
    }

    private static List<string> Problems(JsonDocument status) =>
        status.RootElement.GetProperty("pairs").EnumerateArray()
            .SelectMany(p => p.GetProperty("problems").EnumerateArray())
            .Select(p => $"{p.GetProperty("subject").GetString()} {p.GetProperty("code").GetString()}: {p.GetProperty("severity").GetString()}").ToList();

    /// <summary>Copies the solution's build files and src/ (sources only) and publishes the bot from the copy.</summary>
    private async Task<string> PublishAsync()
    {
        var repo = Path.GetFullPath(Path.Combine(TestConfigs.RepoConfigDirectory(), ".."));
        foreach (var name in new[] { "Directory.Build.props", "Directory.Packages.props" })
            File.Copy(Path.Combine(repo, name), Path.Combine(_copy, name));
        CopySources(Path.Combine(repo, "src"), Path.Combine(_copy, "src"));
        var output = Path.Combine(_copy, "out");
        var publish = await RunAsync(TimeSpan.FromMinutes(15), ["dotnet",
            "publish", Path.Combine(_copy, "src", "PgxcBot", "PgxcBot.csproj"), "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true",
            "-o", output, "-nodeReuse:false"]);
        Assert.True(publish.ExitCode == 0,
            $"dotnet publish -p:PublishAot=true failed (it needs clang: apt-get install clang zlib1g-dev):\n{Tail(publish.Out + publish.Error)}");
        var warnings = (publish.Out + publish.Error).Split('\n').Where(l => l.Contains("warning IL", StringComparison.Ordinal)).Distinct().ToArray();
        Assert.True(warnings.Length == 0, "the published bot has trim or AOT warnings:\n" + string.Join('\n', warnings));
        var executable = Path.Combine(output, "pgxcbot");
        Assert.True(File.Exists(executable), $"no {executable} after publishing");
        return executable;
    }

    private static void CopySources(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var directory in Directory.EnumerateDirectories(from))
        {
            var name = Path.GetFileName(directory);
            if (name is "bin" or "obj") continue;
            CopySources(directory, Path.Combine(to, name));
        }
    }

    /// <summary>The executable with the test secrets in its environment, through the lab's own transport
    /// (<see cref="LocalShell"/>: this machine, this user, bounded, killed at its deadline).</summary>
    private static Task<CliRun> RunAsync(string executable, params string[] arguments) =>
        RunAsync(TimeSpan.FromSeconds(60), ["env", .. CliRun.TestVariables.Select(v => $"{v.Key}={v.Value}"), executable, .. arguments]);

    private static async Task<CliRun> RunAsync(TimeSpan timeout, string[] command)
    {
        var here = new Host("here", "127.0.0.1", TransportKind.Local, 22, Environment.UserName, null, null, null);
        var result = await new LocalShell(NullLogger<LocalShell>.Instance).RunAsync(here, ShellCommand.Of(command[0], command[1..]), timeout, default);
        return new CliRun(result.ExitCode, result.StandardOutput, result.StandardError);
    }

    private static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(40));
}
