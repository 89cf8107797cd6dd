using Npgsql;
using Xunit.Abstractions;

namespace PgxcBot.IntegrationTests.RealClusters;

/// <summary>A real Postgres-XL 10r1.1 cluster built by the lab (GTM, two coordinators, two sync pairs with stock standbys).</summary>
public sealed class XlClusterTests(XlClusterFixture lab, ITestOutputHelper output) : IClassFixture<XlClusterFixture>
{
    [XlFact]
    public async Task Cluster_is_built_with_every_catalog_filled()
    {
        output.WriteLine($"XL cluster built in {lab.BuildTime.TotalSeconds:0.0} s");
        using var cts = new CancellationTokenSource(RealClusterChecks.Budget);
        await RealClusterChecks.BuiltAsync(lab.Cluster, cts.Token);
        Assert.All(lab.Cluster.RealCoordinators, c => Assert.NotNull(c.Server.PoolerPort));
        var version = await RealClusterChecks.RowsAsync(lab.Cluster.RealCoordinators[1].ConnectionString(), "SHOW server_version", cts.Token);
        Assert.Contains("Postgres-XL", Assert.Single(version), StringComparison.Ordinal);
    }

    [XlFact]
    public async Task Writes_and_joins_work_through_every_coordinator()
    {
        using var cts = new CancellationTokenSource(RealClusterChecks.Budget);
        await RealClusterChecks.WritesAndJoinsAsync(lab.Cluster, "xl_rw", cts.Token);
    }

    [XlFact]
    public async Task Every_master_streams_to_its_sync_slave()
    {
        using var cts = new CancellationTokenSource(RealClusterChecks.Budget);
        await RealClusterChecks.StreamingInSyncAsync(lab.Cluster, cts.Token);
    }

    [XlFact]
    public async Task Stock_standby_refuses_every_connection_with_xx000()
    {
        using var cts = new CancellationTokenSource(RealClusterChecks.Budget);
        foreach (var pair in lab.Cluster.Pairs)
        {
            Assert.True(pair.Slave.IsRunning);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => RealClusterChecks.InRecoveryAsync(pair.Slave, cts.Token));
            Assert.Equal("XX000", refused.SqlState);
            Assert.Equal("Was unable to obtain a snapshot from GTM.", refused.MessageText);
        }
    }
}
