using PgxcBot.IntegrationTests.Flavors;
using PgxcBot.IntegrationTests.Timeline;

namespace PgxcBot.IntegrationTests.RealClusters;

/// <summary>What every real cluster the lab builds must show (built, writable through every coordinator, streaming in
/// sync), run once per flavor by <see cref="XcClusterTests"/> and <see cref="XlClusterTests"/>; each adds what only its
/// flavor does. Skipped, naming the variable, when the flavor's installation is not set.</summary>
public abstract class RealClusterTests(RealClusterFixture lab, ITestOutputHelper output, Flavor flavor)
{
    /// <summary>The fixture's cluster, for the flavor's own tests.</summary>
    protected RealClusterFixture Lab => lab;

    /// <summary>The test's output, for the flavor's own tests.</summary>
    protected ITestOutputHelper Output => output;

    /// <summary>A query on a coordinator whose single row names the flavor and version, and the text it must contain.</summary>
    protected abstract (string Sql, string Expected) VersionCheck { get; }

    [SkippableFact]
    public async Task Cluster_is_built_with_every_catalog_filled()
    {
        FlavorSkip.UnlessInstalled(flavor);
        output.WriteLine($"{flavor} cluster built in {lab.BuildTime.TotalSeconds:0.0} s");
        using var cts = new CancellationTokenSource(RealClusterChecks.Budget);
        await RealClusterChecks.BuiltAsync(lab.Cluster, cts.Token);
        AssertBuiltAsFlavor();
        var version = await RealClusterChecks.RowsAsync(lab.Cluster.RealCoordinators[1].ConnectionString(), VersionCheck.Sql, cts.Token);
        Assert.Contains(VersionCheck.Expected, Assert.Single(version), StringComparison.Ordinal);
    }

    /// <summary>What only this flavor's build shows (nothing unless overridden).</summary>
    protected virtual void AssertBuiltAsFlavor()
    {
    }

    [SkippableFact]
    public async Task Writes_and_joins_work_through_every_coordinator()
    {
        FlavorSkip.UnlessInstalled(flavor);
        using var cts = new CancellationTokenSource(RealClusterChecks.Budget);
        await RealClusterChecks.WritesAndJoinsAsync(lab.Cluster, flavor == Flavor.PostgresXc ? "xc_rw" : "xl_rw", cts.Token);
    }

    [SkippableFact]
    public async Task Every_master_streams_to_its_sync_slave()
    {
        FlavorSkip.UnlessInstalled(flavor);
        using var cts = new CancellationTokenSource(RealClusterChecks.Budget);
        await RealClusterChecks.StreamingInSyncAsync(lab.Cluster, cts.Token);
    }
}
