using PgxcBot.Core.Observation;
using PgxcBot.Postgres;

namespace PgxcBot.IntegrationTests.RealClusters;

/// <summary>A real Postgres-XL 10r1.1 cluster built by the lab (GTM, two coordinators, two sync pairs with stock standbys).</summary>
public sealed class XlClusterTests(XlClusterFixture lab, ITestOutputHelper output)
    : RealClusterTests(lab, output, Flavor.PostgresXl), IClassFixture<XlClusterFixture>
{
    protected override (string Sql, string Expected) VersionCheck => ("SHOW server_version", "Postgres-XL");

    protected override void AssertBuiltAsFlavor() => Assert.All(Lab.Cluster.RealCoordinators, c => Assert.NotNull(c.Server.PoolerPort));

    [XlFact]
    public async Task Stock_standby_refuses_every_connection_with_xx000()
    {
        using var cts = new CancellationTokenSource(RealClusterChecks.Budget);
        foreach (var pair in Lab.Cluster.Pairs)
        {
            Assert.True(pair.Slave.IsRunning);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => RealClusterChecks.InRecoveryAsync(pair.Slave, cts.Token));
            Assert.Equal("XX000", refused.SqlState);
            Assert.Equal("Was unable to obtain a snapshot from GTM.", refused.MessageText);
        }
    }

    [XlFact]
    public async Task The_commit_watch_samples_every_datanode_master_with_its_clock_and_wal_position()
    {
        using var cts = new CancellationTokenSource(RealClusterChecks.Budget);
        var topology = Lab.Cluster.ToTopology(MonitorSettings.Default);
        var watch = new NpgsqlCommitWatch(new TestSecretResolver(), TimeProvider.System);
        var sessions = new List<ICommitWatchSession>();
        try
        {
            foreach (var pair in topology.Datanodes) sessions.Add(await watch.OpenAsync(topology, pair.Master, cts.Token));
            Assert.All(sessions, s => Assert.Null(s.Unsupported));
            var before = new List<CommitSample>();
            foreach (var session in sessions) before.Add(await session.SampleAsync(TimeSpan.FromSeconds(5), cts.Token));

            // Rows on both datanodes, through a coordinator: every master's WAL moves on.
            var table = $"watch_{Guid.NewGuid():N}"[..20];
            await RealClusterChecks.ExecuteAsync(Lab.Cluster.RealCoordinators[0].ConnectionString(),
                $"CREATE TABLE {table} (id int) DISTRIBUTE BY HASH (id); INSERT INTO {table} SELECT generate_series(1, 100)", cts.Token);
            var after = new List<CommitSample>();
            foreach (var session in sessions) after.Add(await session.SampleAsync(TimeSpan.FromSeconds(5), cts.Token));

            for (var i = 0; i < sessions.Count; i++)
            {
                Output.WriteLine($"{topology.Datanodes[i].Name}: WAL {before[i].WalPosition} -> {after[i].WalPosition}, master clock {after[i].MasterClock:HH:mm:ss.ffffff}");
                Assert.False(after[i].InRecovery);
                Assert.NotNull(before[i].WalPosition);
                Assert.True(after[i].WalPosition > before[i].WalPosition, $"{topology.Datanodes[i].Name}: a write did not move the WAL position");
                Assert.True(after[i].MasterClock > before[i].MasterClock, $"{topology.Datanodes[i].Name}: the master's clock did not move");
            }
        }
        finally
        {
            foreach (var session in sessions) await session.DisposeAsync();
        }
    }
}
