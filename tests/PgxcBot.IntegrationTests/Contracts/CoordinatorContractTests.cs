using PgxcBot.IntegrationTests.Flavors;
using PgxcBot.IntegrationTests.Timeline;
using PgxcBot.IntegrationTests.RealClusters;

namespace PgxcBot.IntegrationTests.Contracts;

/// <summary>
/// Every query of <see cref="CoordinatorQueryCatalogue"/>, run the way production runs it, with the same
/// assertions on every kind of coordinator: the derived classes differ only in the cluster (one per class,
/// built once). A failure on the simulator alone means the simulator drifted from the real coordinators.
/// </summary>
public abstract class CoordinatorContract(RealClusterFixture lab, Flavor flavor, ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);

    public static TheoryData<string> Queries => new(CoordinatorQueryCatalogue.All.Select(q => q.Id));

    [SkippableTheory]
    [MemberData(nameof(Queries), MemberType = typeof(CoordinatorContract))]
    public async Task Coordinator_answers_the_query_as_the_bot_relies_on(string query)
    {
        FlavorSkip.UnlessInstalled(flavor);
        using var timeout = new CancellationTokenSource(Budget);
        var entry = CoordinatorQueryCatalogue.All.Single(q => q.Id == query);
        await using var target = new ContractTarget(lab.Cluster);
        var clock = Stopwatch.StartNew();
        await entry.CheckAsync(target, timeout.Token);
        output.WriteLine($"{flavor} (cluster built in {lab.BuildTime.TotalSeconds:0.0} s): {query} ({string.Join(", ", entry.Builders)}) " +
                         $"held in {clock.Elapsed.TotalMilliseconds:0} ms");
    }
}

/// <summary>The contract on the coordinator simulator (PostgreSQL 15 pairs behind it), held to Postgres-XL's answers.</summary>
public sealed class SimulatorCoordinatorContractTests(SimulatorClusterFixture lab, ITestOutputHelper output)
    : CoordinatorContract(lab, Flavor.PostgreSql, output), IClassFixture<SimulatorClusterFixture>;

/// <summary>The contract on a real Postgres-XC 1.2 coordinator (skipped without PGXCBOT_XC_HOME).</summary>
public sealed class XcCoordinatorContractTests(XcClusterFixture lab, ITestOutputHelper output)
    : CoordinatorContract(lab, Flavor.PostgresXc, output), IClassFixture<XcClusterFixture>;

/// <summary>The contract on a real Postgres-XL 10r1.1 coordinator (skipped without PGXCBOT_XL_HOME).</summary>
public sealed class XlCoordinatorContractTests(XlClusterFixture lab, ITestOutputHelper output)
    : CoordinatorContract(lab, Flavor.PostgresXl, output), IClassFixture<XlClusterFixture>;
