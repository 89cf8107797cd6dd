using System.Text.Json;
using System.Text.Json.Nodes;
using PgxcBot.Cli;
using PgxcBot.IntegrationTests.Assessment;
using PgxcBot.IntegrationTests.Observation;

namespace PgxcBot.IntegrationTests.Cli;

/// <summary>`pgxcbot status --config FILE` in-process against a lab pair and two coordinator simulators:
/// the real config loading, host, observer and renderer.</summary>
public sealed class StatusCliTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);

    private sealed record Run(int ExitCode, string Out, string Error)
    {
        public override string ToString() => $"exit {ExitCode}; stdout:\n{Out}\nstderr:\n{Error}";
    }

    private static async Task<Run> StatusAsync(string config, CancellationToken cancellationToken, params string[] extra)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CliApp.RunAsync(["status", "--config", config, .. extra],
            new CliIo(TextReader.Null, output, error, InputRedirected: true), cancellationToken: cancellationToken);
        return new Run(exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Status_of_a_healthy_lab_exits_0_and_of_a_killed_sync_slave_exits_1_with_the_problem()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var cluster = await LabCluster.StartAsync(new LabPairOptions(), 1, LabReplicationMode.Sync,
            coordinators: 2, maxDegreeOfParallelism: 1, cts.Token);
        var folder = Directory.CreateTempSubdirectory("pgxcbot-cli-");
        try
        {
            var config = Path.Combine(folder.FullName, "pgxcbot.json");
            await File.WriteAllTextAsync(config, LabConfigFile.Render(cluster, Path.Combine(folder.FullName, "pgxcbot.db"), PgBinaries.Discover()), cts.Token);

            var healthy = await StatusAsync(config, cts.Token);

            Assert.True(healthy.ExitCode == ExitCodes.Ok, healthy.ToString());
            Assert.StartsWith("[OK] Cluster: healthy", healthy.Out);
            Assert.Contains("datanode1: Sync", healthy.Out);
            Assert.Contains("coord1", healthy.Out);
            Assert.Contains("coord2", healthy.Out);
            Assert.Contains($"127.0.0.1:{cluster.Pair("datanode1").Master.Port}", healthy.Out);
            // The only stderr is the config warning that master and slave share one host (true of a lab).
            Assert.All(healthy.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries),
                line => Assert.StartsWith("warning: datanodes[0].slave.host", line));

            await cluster.Pair("datanode1").Slave.KillAsync(cts.Token);
            // The master drops the dead slave's replication row within moments; poll, do not sleep.
            var broken = await Poll.UntilAsync(() => StatusAsync(config, cts.Token), r => r.ExitCode != ExitCodes.Ok,
                TimeSpan.FromSeconds(20), "status to see the killed slave", cts.Token);

            Assert.True(broken.ExitCode == NagiosCodes.Critical, broken.ToString());
            Assert.Contains("CRITICAL", broken.Out);
            Assert.Contains("datanode1: SlaveLost", broken.Out);
            Assert.Contains("COMMITS BLOCKED", broken.Out);
            Assert.Contains("Commits on datanode1 will block", broken.Out); // nobody writes in this test: none waits yet
            Assert.Contains("→ next: /pgxc async datanode1", broken.Out);

            var json = await StatusAsync(config, cts.Token, "--json");

            Assert.Equal(NagiosCodes.Critical, json.ExitCode);
            using var document = JsonDocument.Parse(json.Out);
            var root = document.RootElement;
            Assert.Equal("Critical", root.GetProperty("worst").GetString());
            var pair = root.GetProperty("pairs")[0];
            Assert.Equal("SlaveLost", pair.GetProperty("condition").GetString());
            Assert.Contains(pair.GetProperty("problems").EnumerateArray(), p => p.GetProperty("code").GetString() == "commits-blocked");
            Assert.Equal(2, root.GetProperty("coordinatorViews").GetArrayLength());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
