using PgxcBot.Lab.Pgxc;

namespace PgxcBot.IntegrationTests.RealClusters;

/// <summary>
/// One real cluster shared by the tests of a class that only read it or write their own tables: GTM, two
/// coordinators, two datanode pairs in sync with stock standbys. Builds nothing when the flavor's variable is
/// unset (the tests are skipped then). <see cref="Flavor.PostgreSql"/> builds the simulator lab instead: two
/// PostgreSQL 15 pairs behind two coordinator simulators.
/// </summary>
public abstract class RealClusterFixture(Flavor flavor) : IAsyncLifetime
{
    private LabCluster? _cluster;

    /// <summary>The running cluster.</summary>
    public LabCluster Cluster => _cluster ?? throw new InvalidOperationException(
        $"No {flavor} cluster: {(flavor == Flavor.PostgreSql ? "it failed to start" : PgxcInstallation.VariableFor(flavor) + " is not set")}.");

    /// <summary>How long the build took.</summary>
    public TimeSpan BuildTime { get; private set; }

    public async Task InitializeAsync()
    {
        var installation = flavor == Flavor.PostgreSql ? null : PgxcInstallation.FromEnvironment(flavor);
        if (flavor != Flavor.PostgreSql && installation is null) return;
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

/// <summary>A shared simulator lab: PostgreSQL 15 pairs behind coordinator simulators.</summary>
public sealed class SimulatorClusterFixture() : RealClusterFixture(Flavor.PostgreSql);

/// <summary>A shared Postgres-XC cluster.</summary>
public sealed class XcClusterFixture() : RealClusterFixture(Flavor.PostgresXc);

/// <summary>A shared Postgres-XL cluster.</summary>
public sealed class XlClusterFixture() : RealClusterFixture(Flavor.PostgresXl);
