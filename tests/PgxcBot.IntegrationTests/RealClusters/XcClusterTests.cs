using Xunit.Abstractions;

namespace PgxcBot.IntegrationTests.RealClusters;

/// <summary>A real Postgres-XC 1.2 cluster built by the lab (GTM, two coordinators, two sync pairs).</summary>
public sealed class XcClusterTests(XcClusterFixture lab, ITestOutputHelper output) : IClassFixture<XcClusterFixture>
{
    [XcFact]
    public async Task Cluster_is_built_with_every_catalog_filled()
    {
        output.WriteLine($"XC cluster built in {lab.BuildTime.TotalSeconds:0.0} s");
        using var cts = new CancellationTokenSource(RealClusterChecks.Budget);
        await RealClusterChecks.BuiltAsync(lab.Cluster, cts.Token);
        Assert.All(lab.Cluster.RealCoordinators, c => Assert.NotNull(c.Server.PoolerPort));
        var version = await RealClusterChecks.RowsAsync(lab.Cluster.RealCoordinators[1].ConnectionString(), "SELECT pgxc_version()::text", cts.Token);
        Assert.Contains("Postgres-XC 1.2", Assert.Single(version), StringComparison.Ordinal);
    }

    [XcFact]
    public async Task Writes_and_joins_work_through_every_coordinator()
    {
        using var cts = new CancellationTokenSource(RealClusterChecks.Budget);
        await RealClusterChecks.WritesAndJoinsAsync(lab.Cluster, "xc_rw", cts.Token);
    }

    [XcFact]
    public async Task Every_master_streams_to_its_sync_slave()
    {
        using var cts = new CancellationTokenSource(RealClusterChecks.Budget);
        await RealClusterChecks.StreamingInSyncAsync(lab.Cluster, cts.Token);
    }

    [XcFact]
    public async Task Slave_answers_sql_in_recovery()
    {
        using var cts = new CancellationTokenSource(RealClusterChecks.Budget);
        foreach (var pair in lab.Cluster.Pairs)
        {
            Assert.Equal("true", await RealClusterChecks.InRecoveryAsync(pair.Slave, cts.Token));
            Assert.Equal("false", await RealClusterChecks.InRecoveryAsync(pair.Master, cts.Token));
        }
    }
}
