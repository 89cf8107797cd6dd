using System.Text.Json;
using PgxcBot.Tests.Timeline;
using PgxcBot.Tests.Hosting;

namespace PgxcBot.Tests.Cli;

/// <summary><c>pgxcbot timeline</c> reads the store of the configuration: text, --json (one document on stdout) and
/// --png (the picture written, its path printed; on stderr with --json). A bad datanode or window is exit 2.</summary>
public sealed class TimelineCliTests : IDisposable
{
    private readonly TempConfigDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private async Task<string> ConfigWithScriptedIncidentAsync()
    {
        var store = Path.Combine(_directory.Path, "state.db");
        await ScriptedIncident.WriteAsync(await SqliteStore.OpenAsync(store, null, default));
        var config = _directory.Runnable();
        config["store"] = new System.Text.Json.Nodes.JsonObject { ["path"] = store };
        return _directory.Write("pgxcbot.json", config.ToJsonString());
    }

    [Fact]
    public async Task Json_lists_the_events_with_durations_and_png_writes_the_picture()
    {
        var config = await ConfigWithScriptedIncidentAsync();
        var png = Path.Combine(_directory.Path, "out", "timeline.png");

        var run = await CliRun.RunAsync(["timeline", "datanode1", "--config", config, "--since", "7d", "--json", "--png", png]);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        using var document = JsonDocument.Parse(run.Out);
        // The scripted incident's 30 events; the bot's own start may add a state change of its own (now), after them.
        var events = document.RootElement.GetProperty("events").EnumerateArray()
            .Where(e => e.GetProperty("at").GetDateTimeOffset() < ScriptedIncident.At(3600)).ToArray();
        Assert.Equal(30, events.Length);
        Assert.All(document.RootElement.GetProperty("events").EnumerateArray().Skip(30),
            e => Assert.True(e.GetProperty("at").GetDateTimeOffset() > ScriptedIncident.At(3600), e.ToString()));
        Assert.Equal(2.5, document.RootElement.GetProperty("commitsBlockedSeconds").GetDouble());
        var approved = events.First(e => e.GetProperty("kind").GetString() == "Approved");
        Assert.Equal(("bob", 50.0), (approved.GetProperty("by").GetString(), approved.GetProperty("sincePreviousSeconds").GetDouble()));
        Assert.Equal(5.0, events.Single(e => e.GetProperty("text").GetString()!.EndsWith("Promote the slave", StringComparison.Ordinal)).GetProperty("durationSeconds").GetDouble());
        Assert.True(new FileInfo(png).Length > 5000);
        Assert.Contains($"Picture: {png} (1000x560)", run.Error);
    }

    [Fact]
    public async Task Text_tells_the_story_and_a_wrong_datanode_or_window_is_exit_2_naming_it()
    {
        var config = await ConfigWithScriptedIncidentAsync();

        var text = await CliRun.RunAsync(["timeline", "--config", config, "--since", "7d"]);
        Assert.Equal(ExitCodes.Ok, text.ExitCode);
        Assert.Contains("Timeline of the cluster (last 7d)", text.Out);
        Assert.Contains("refused by alice: approve 2 refused", text.Out);

        var wrong = await CliRun.RunAsync(["timeline", "datanode9", "--config", config]);
        Assert.Equal(ExitCodes.BadConfig, wrong.ExitCode);
        Assert.Contains("no datanode 'datanode9'", wrong.Error);
        var window = await CliRun.RunAsync(["timeline", "--config", config, "--since", "2weeks"]);
        Assert.Equal(ExitCodes.BadConfig, window.ExitCode);
        Assert.Contains("--since '2weeks' is not a duration", window.Error);
    }
}
