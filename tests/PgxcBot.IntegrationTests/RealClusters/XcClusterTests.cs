namespace PgxcBot.IntegrationTests.RealClusters;

/// <summary>A real Postgres-XC 1.2 cluster built by the lab (GTM, two coordinators, two sync pairs).</summary>
public sealed class XcClusterTests(XcClusterFixture lab, ITestOutputHelper output)
    : RealClusterTests(lab, output, Flavor.PostgresXc), IClassFixture<XcClusterFixture>
{
    protected override (string Sql, string Expected) VersionCheck => ("SELECT pgxc_version()::text", "Postgres-XC 1.2");

    [XcFact]
    public async Task Slave_answers_sql_in_recovery()
    {
        using var cts = new CancellationTokenSource(RealClusterChecks.Budget);
        foreach (var pair in Lab.Cluster.Pairs)
        {
            Assert.Equal("true", await RealClusterChecks.InRecoveryAsync(pair.Slave, cts.Token));
            Assert.Equal("false", await RealClusterChecks.InRecoveryAsync(pair.Master, cts.Token));
        }
    }
}
