namespace PgxcBot.Tests.Support;

/// <summary>
/// What the operation tests on the fake cluster start from: the runbook topology of two datanode pairs
/// (<see cref="RunbookTopologies.TwoNodes"/>), a <see cref="FakeCluster"/> answering for it, a fake clock at
/// 2026-11-26 03:00 UTC, an empty in-memory operation store, and approvals by the "dba" role (as
/// <see cref="TestActors"/> Alice and Bob have). A test builds its operation service from these
/// (<see cref="FakeClusterServices"/>).
/// </summary>
internal sealed class FakeClusterRig
{
    public FakeClusterRig() => Cluster = new FakeCluster(Topology);

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero));
    public ClusterTopology Topology { get; } = RunbookTopologies.TwoNodes();
    public FakeCluster Cluster { get; }
    public MemoryOperationStore Operations { get; } = new();
    public ApprovalPolicy Policy { get; } = TestApprovals.ByRole("dba");
}
