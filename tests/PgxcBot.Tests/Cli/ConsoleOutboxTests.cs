using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Core.Remote;
using PgxcBot.Tests.Secrets;
using PgxcBot.Tests.Hosting;

namespace PgxcBot.Tests.Cli;

/// <summary>The console is a chat target like Discord: its step lines come through the store's outbox and its sender.</summary>
public sealed class ConsoleOutboxTests : IDisposable
{
    private readonly TempConfigDirectory _directory = new();
    private readonly string _config;
    private readonly FakeCluster _cluster;

    public ConsoleOutboxTests()
    {
        var config = _directory.Runnable();
        _config = _directory.Write("pgxcbot.json", config.ToJsonString());
        _cluster = new FakeCluster(TestConfigs.Validate(config, _directory.Path).Topology!);
    }

    public void Dispose() => _directory.Dispose();

    private Action<IServiceCollection> OnTheFakeCluster => services =>
    {
        services.AddSingleton<IClusterObserver>(_cluster);
        services.AddSingleton<IRemoteShell>(_cluster);
        services.AddSingleton<ISqlExecutor>(_cluster);
    };

    [Theory]
    [InlineData("console")]
    [InlineData("run")]
    public async Task Step_lines_reach_the_terminal_through_the_outbox_before_the_answer(string command)
    {
        var run = command == "console"
            ? await CliRun.RunAsync(["console", "--config", _config, "--as", "alice"], stdin: "/pgxc repoint datanode1\n", overrides: OnTheFakeCluster)
            : await CliRun.RunAsync(["run", "/pgxc repoint datanode1", "--config", _config, "--as", "alice"], overrides: OnTheFakeCluster);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Out + run.Error);
        var started = run.Out.IndexOf("-- operation 1: repoint datanode1 running", StringComparison.Ordinal);
        var step = run.Out.IndexOf("   [ok", StringComparison.Ordinal);
        var answer = run.Out.IndexOf("repointed", StringComparison.Ordinal);
        Assert.True(started >= 0 && step > started && answer > step, run.Out);

        // Each line was written to the store's outbox first (in the transaction of its step), then printed.
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_directory.Path, "pgxcbot.db")};Pooling=false");
        connection.Open();
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT COUNT(*), SUM(outcome = 'Delivered') FROM outbox WHERE target LIKE 'console/%' AND kind = 'Progress';";
        using var reader = query.ExecuteReader();
        reader.Read();
        Assert.True(reader.GetInt64(0) >= 2, "step lines in the outbox");
        Assert.Equal(reader.GetInt64(0), reader.GetInt64(1));
    }
}
