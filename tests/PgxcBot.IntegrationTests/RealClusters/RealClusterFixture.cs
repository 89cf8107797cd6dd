using System.Diagnostics;
using PgxcBot.Core.Topology;
using PgxcBot.Lab.Cluster;
using PgxcBot.Lab.Pairs;
using PgxcBot.Lab.Pgxc;

namespace PgxcBot.IntegrationTests.RealClusters;

/// <summary>
/// One real cluster shared by the tests of a class that only read it or write their own tables: GTM, two
/// coordinators, two datanode pairs in sync with stock standbys. Builds nothing when the flavor's variable is
/// unset (the tests are skipped then).
/// </summary>
public abstract class RealClusterFixture(Flavor flavor) : IAsyncLifetime
{
    private LabCluster? _cluster;

    /// <summary>The running cluster.</summary>
    public LabCluster Cluster => _cluster ?? throw new InvalidOperationException(
        $"No {flavor} cluster: {PgxcInstallation.VariableFor(flavor)} is not set.");

    /// <summary>How long the build took.</summary>
    public TimeSpan BuildTime { get; private set; }

    public async Task InitializeAsync()
    {
        if (PgxcInstallation.FromEnvironment(flavor) is not { } installation) return;
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var stopwatch = Stopwatch.StartNew();
        _cluster = await LabCluster.StartAsync(flavor, new LabPairOptions { Installation = installation }, pairs: 2, LabReplicationMode.Sync,
            coordinators: 2, maxDegreeOfParallelism: 2, cts.Token);
        BuildTime = stopwatch.Elapsed;
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}

/// <summary>A shared Postgres-XC cluster.</summary>
public sealed class XcClusterFixture() : RealClusterFixture(Flavor.PostgresXc);

/// <summary>A shared Postgres-XL cluster.</summary>
public sealed class XlClusterFixture() : RealClusterFixture(Flavor.PostgresXl);
