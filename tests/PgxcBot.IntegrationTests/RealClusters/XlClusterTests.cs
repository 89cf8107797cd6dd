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
}
