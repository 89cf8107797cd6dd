using PgxcBot.Tests.Secrets;
using PgxcBot.Tests.Hosting;

namespace PgxcBot.Tests.Cli;

public sealed class CheckConfigTests : IDisposable
{
    private readonly TempConfigDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Theory]
    [InlineData("pgxcbot.example.json")]
    [InlineData("pgxcbot.postgres-xl.json")]
    [InlineData("pgxcbot.postgresql.json")]
    public async Task Shipped_examples_pass(string file)
    {
        // --file-only: the examples' key files and secrets do not exist on a test machine.
        var run = await CliRun.RunAsync(["check-config", "--file-only", "--config", Path.Combine(TestConfigs.RepoConfigDirectory(), file)]);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains(": valid (", run.Out);
        Assert.DoesNotContain("error:", run.Out);
    }

    [Fact]
    public async Task Five_mistakes_are_printed_with_their_paths_and_exit_2()
    {
        var file = directory.Write("bad.json", TestConfigs.FiveMistakes());

        var run = await CliRun.RunAsync(["check-config", "--config", file]);

        Assert.Equal(ExitCodes.BadConfig, run.ExitCode);
        var errors = run.Out.Split('\n').Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, errors.Count);
        foreach (var path in new[] { "flavor", "datanodes[0].slave.port", "datanodes[0].master.host", "database.password", "hosts[1].hostKeyFingerprint" })
            Assert.Contains(errors, e => e.StartsWith($"error: {path}: ", StringComparison.Ordinal));
        Assert.Contains("5 errors, 0 warnings", run.Out);
        Assert.DoesNotContain("hunter2", run.Out + run.Error);
    }

    [Fact]
    public async Task Warnings_alone_exit_0_and_are_printed()
    {
        var config = directory.Runnable();
        config.Remove("coordinators");
        var run = await CliRun.RunAsync(["check-config", "--config", directory.Write("warn.json", config.ToJsonString())]);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("warning: coordinators: ", run.Out);
        Assert.Contains("1 warning.", run.Out);
    }

    [Fact]
    public async Task Missing_file_exits_2_naming_it()
    {
        var file = Path.Combine(directory.Path, "absent.json");
        var run = await CliRun.RunAsync(["check-config", "--config", file]);

        Assert.Equal(ExitCodes.BadConfig, run.ExitCode);
        Assert.Contains($"{file} does not exist", run.Out);
    }

    [Fact]
    public async Task Missing_config_option_exits_2() =>
        Assert.Equal(ExitCodes.BadConfig, (await CliRun.RunAsync(["check-config"])).ExitCode);

    [Fact]
    public async Task Unknown_command_suggests_and_exits_2()
    {
        var run = await CliRun.RunAsync(["check-confg", "--config", "x.json"]);
        Assert.Equal(ExitCodes.BadConfig, run.ExitCode);
        Assert.Contains("did you mean check-config?", run.Error);
    }

    [Fact]
    public async Task Unknown_option_exits_2() =>
        Assert.Equal(ExitCodes.BadConfig, (await CliRun.RunAsync(["check-config", "--jsn"])).ExitCode);

    [Fact]
    public async Task Help_prints_usage_and_exits_0()
    {
        var run = await CliRun.RunAsync(["--help"]);
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("pgxcbot check-config --config FILE", run.Out);
    }
}
