using PgxcBot.Core.Observation;
using PgxcBot.IntegrationTests.Observation;
using PgxcBot.Postgres;
using PgxcBot.IntegrationTests.Cli;

namespace PgxcBot.IntegrationTests.Assessment;

/// <summary>A lab cluster (real pairs + two coordinator simulators) with the real observer, for tests that
/// assert what <c>status</c> concludes. Disposing it stops everything.</summary>
internal sealed class StatusLab : IAsyncDisposable
{
    private StatusLab(LabCluster cluster)
    {
        Cluster = cluster;
        Topology = cluster.ToTopology(LabTopology.FastMonitor);
    }

    public LabCluster Cluster { get; }
    public ClusterTopology Topology { get; }
    public NpgsqlClusterObserver Observer { get; } = ObserverHarness.Create();
    public LabPair Datanode1 => Cluster.Pair("datanode1");

    public static async Task<StatusLab> StartAsync(LabReplicationMode mode, CancellationToken cancellationToken, int pairs = 1) =>
        new(await LabCluster.StartAsync(new LabPairOptions(), pairs, mode, coordinators: 2, maxDegreeOfParallelism: 2, cancellationToken));

    /// <summary>One status: observe, then assess (optionally remembering <paramref name="previous"/>).</summary>
    public async Task<ClusterAssessment> AssessAsync(CancellationToken cancellationToken, ClusterTopology? topology = null,
        ClusterAssessment? previous = null)
    {
        topology ??= Topology;
        var snapshot = await Observer.ObserveAsync(topology, cancellationToken);
        return ClusterAssessor.Assess(topology, snapshot, previous);
    }

    /// <summary>Repeats <see cref="AssessAsync"/> until <paramref name="done"/> holds (20 s deadline).</summary>
    public Task<ClusterAssessment> AssessUntilAsync(Func<ClusterAssessment, bool> done, string what,
        CancellationToken cancellationToken, ClusterAssessment? previous = null) =>
        Poll.UntilAsync(() => AssessAsync(cancellationToken, previous: previous), done, TimeSpan.FromSeconds(20), what,
            cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Observer.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}

internal static class AssessmentLookups
{
    public static PairAssessment Pair(this ClusterAssessment assessment, string name) =>
        Assert.Single(assessment.Pairs, p => p.Datanode == name);

    public static CoordinatorView View(this ClusterAssessment assessment, string coordinator, string datanode) =>
        Assert.Single(assessment.CoordinatorViews, v => v.Coordinator == coordinator && v.Datanode == datanode);

    public static string[] Codes(this IEnumerable<Problem> problems) => problems.Select(p => p.Code).Order().ToArray();

    public static ServerProbe MasterProbe(this ClusterAssessment assessment, string name) =>
        Assert.Single(assessment.Snapshot.Pairs, p => p.Datanode == name).Master;
}
