using PgxcBot.Monitoring;
using static PgxcBot.Tests.Support.TestActors;

namespace PgxcBot.Tests.Monitoring;

/// <summary>The one system approval path: only the monitor's own promote, only with autoFailover on, never
/// with an acknowledgement; the people's two-person rule is untouched.</summary>
public class MonitorOperationsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero));
    private readonly MemoryOperationStore _operations = new();
    private readonly MemoryPairStateStore _pairs = new();
    private FakeCluster _cluster = null!;

    private MonitorOperations Build(bool autoFailover)
    {
        var topology = RunbookTopologies.TwoNodes() with { Alerts = AlertSettings.Default with { AutoFailover = autoFailover } };
        _cluster = new FakeCluster(topology);
        var policy = TestApprovals.ByRole("dba");
        var state = new TopologyState(topology, new MemoryTopologyStore(), _time);
        var observer = new SharedSnapshotObserver(_cluster, _time);
        return new MonitorOperations(state, observer, _operations, new StepExecutor(_cluster, _cluster, TimeProvider.System), _cluster,
            new SyncEvidenceSource(_cluster.Memory), policy, NoOperationObserver.Instance, new PairStateTracker(_pairs, _time), new OperationRuns(), _time);
    }

    private void MasterDiedWhileSync()
    {
        _cluster.Sight();
        _cluster.MasterLost(_pairs, "datanode1", _time.GetUtcNow());
    }

    [Fact]
    public async Task The_monitor_proposes_a_promote_awaiting_approval_and_only_the_failover_path_approves_it()
    {
        var ops = Build(autoFailover: true);
        MasterDiedWhileSync();
        var proposed = await ops.ProposeFailoverAsync("datanode1", default);
        var operation = proposed.Operation!;
        Assert.Equal((OperationState.AwaitingApproval, MonitorOperations.SystemActor.Id), (operation.State, operation.RequestedBy.Id));
        Assert.DoesNotContain(_cluster.Log, l => l.Contains("promote", StringComparison.Ordinal));

        // The ordinary path still refuses the system actor: it is no approver of people's operations.
        var ordinary = await ops.Service.ApproveAsync(operation.Id, operation.Nonce, MonitorOperations.SystemActor, [], default);
        Assert.Contains("may not approve", ordinary.Refusal);

        var done = await ops.ApproveFailoverAsync(operation.Id, default);
        Assert.Equal(OperationState.Succeeded, done.Operation!.State);
        Assert.Equal(MonitorOperations.SystemActor, done.Operation.ApprovedBy);
        Assert.False(_cluster.Servers["node02:20010"].InRecovery);
    }

    [Fact]
    public async Task A_promote_a_person_requested_is_never_approved_by_the_monitor()
    {
        var ops = Build(autoFailover: true);
        MasterDiedWhileSync();
        var requested = await ops.Service.RequestAsync("promote", "datanode1", [], Alice, default);
        Assert.Equal(OperationState.AwaitingApproval, requested.Operation!.State);
        var refused = await ops.ApproveFailoverAsync(requested.Operation.Id, default);
        Assert.Contains("approves only the promotes it proposed itself", refused.Refusal);
        Assert.True(_cluster.Servers["node02:20010"].InRecovery);
    }

    [Fact]
    public async Task A_cancelled_proposal_is_not_approved()
    {
        var ops = Build(autoFailover: true);
        MasterDiedWhileSync();
        var proposed = await ops.ProposeFailoverAsync("datanode1", default);
        await ops.Service.CancelAsync(proposed.Operation!.Id, Alice, default);
        var refused = await ops.ApproveFailoverAsync(proposed.Operation.Id, default);
        Assert.Contains("no longer awaiting approval: cancelled by alice", refused.Refusal);
        Assert.True(_cluster.Servers["node02:20010"].InRecovery);
    }

    [Fact]
    public async Task Unverified_fencing_needs_an_acknowledgement_the_monitor_never_gives()
    {
        var ops = Build(autoFailover: true);
        MasterDiedWhileSync();
        _cluster.DownHosts.Add("node01");
        var proposed = await ops.ProposeFailoverAsync("datanode1", default);
        var refused = await ops.ApproveFailoverAsync(proposed.Operation!.Id, default);
        Assert.Contains("acknowledged explicitly: fencing-unverified", refused.Refusal);
        Assert.True(_cluster.Servers["node02:20010"].InRecovery);
    }

    [Fact]
    public async Task With_automatic_failover_off_there_is_no_system_approval()
    {
        var ops = Build(autoFailover: false);
        MasterDiedWhileSync();
        Assert.Contains("automatic failover is off", (await ops.ProposeFailoverAsync("datanode1", default)).Refusal);
        var requested = await ops.Service.RequestAsync("promote", "datanode1", [], MonitorOperations.SystemActor, default);
        Assert.Contains("automatic failover is off", (await ops.ApproveFailoverAsync(requested.Operation!.Id, default)).Refusal);
        Assert.Contains("may not approve", (await ops.Service.ApproveAsync(requested.Operation.Id, null, MonitorOperations.SystemActor, [], default)).Refusal);
        Assert.True(_cluster.Servers["node02:20010"].InRecovery);
    }
}
