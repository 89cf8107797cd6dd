using PgxcBot.Core.Advice;
using static PgxcBot.Tests.Support.TestActors;

namespace PgxcBot.Tests.Advice;

/// <summary>The advice where operations speak: the final message, refusals, and the async switch that never
/// waits for a person.</summary>
public class AdviceInOperationsTests
{
    private readonly FakeClusterRig _rig = new();
    private readonly MemoryPairStateStore _pairs = new();
    private readonly TopologyState _topology;
    private readonly AdviceSource _advice;
    private readonly OperationService _service;

    public AdviceInOperationsTests()
    {
        _topology = new TopologyState(_rig.Topology, new MemoryTopologyStore(), _rig.Time);
        _advice = new AdviceSource(_rig.Operations, _pairs, _rig.Time);
        var tracker = new PairStateTracker(_pairs, _rig.Time);
        _service = _rig.Cluster.OperationService(_topology, _rig.Operations, _rig.Policy, _rig.Time, pairs: new PairOperationSink(_topology, _rig.Cluster, tracker), advice: _advice);
        _pairs.States["datanode1"] = PairState.Sync;
        _pairs.States["datanode2"] = PairState.Sync;
    }

    private async Task<ClusterAssessment> StatusAsync()
    {
        var topology = await _topology.CurrentAsync(default);
        var assessed = ClusterAssessor.Assess(topology, _rig.Cluster.Snapshot(topology), _rig.Cluster.Memory.Latest);
        return await _advice.AdviseAsync(topology, assessed, default);
    }

    private async Task<Operation> PromoteAsync()
    {
        _rig.Cluster.Sight();
        _rig.Cluster.Servers["node01:20006"].Running = false;
        var requested = await _service.RequestAsync("promote", "datanode1", [], Alice, default);
        return (await _service.ApproveAsync(requested.Operation!.Id, null, Bob, [], default)).Operation!;
    }

    [Fact]
    public async Task After_a_promote_the_final_message_status_and_a_refused_sync_all_say_rebuild()
    {
        var promoted = await PromoteAsync();
        Assert.Equal(OperationState.Succeeded, promoted.State);
        Assert.EndsWith("Next: /pgxc rebuild datanode1.", promoted.Result);
        Assert.Contains("Next: /pgxc rebuild datanode1.", PlainTextRenderer.Render(OperationMessageBuilder.Build(promoted)));

        var status = await StatusAsync();
        var pair = status.Pairs.Single(p => p.Datanode == "datanode1");
        Assert.Equal("/pgxc rebuild datanode1", pair.Advice!.Next!.Text);
        Assert.Contains("→ next: /pgxc rebuild datanode1", PlainTextRenderer.Render(StatusMessageBuilder.Build(status)));
        var alert = Core.Monitoring.AlertRules.From(status).Single(c => c.Subject == "datanode1");
        Assert.Equal("/pgxc rebuild datanode1", alert.NextStep);

        var sync = await _service.RequestAsync("sync", "datanode1", [], Alice, default);
        Assert.NotNull(sync.Refusal);
        Assert.Equal("/pgxc rebuild datanode1", sync.NextStep);
    }

    [Fact]
    public async Task A_promote_that_only_failed_a_repoint_says_repoint_first_then_rebuild()
    {
        _rig.Cluster.Sight();
        _rig.Cluster.Servers["node01:20006"].Running = false;
        var requested = await _service.RequestAsync("promote", "datanode1", [], Alice, default);
        _rig.Cluster.DownCoordinators.Add("coord2");
        var result = (await _service.ApproveAsync(requested.Operation!.Id, null, Bob, [], default)).Operation!;
        Assert.Equal(OperationState.Failed, result.State);
        Assert.EndsWith("Next: /pgxc repoint datanode1, then /pgxc rebuild datanode1.", result.Result);
    }

    [Fact]
    public async Task The_async_switch_runs_beside_a_request_awaiting_approval_and_nothing_else_does()
    {
        // The slave is gone while the master lives: every commit waits for it.
        _rig.Cluster.Servers["node02:20010"].Running = false;
        var waiting = await _service.RequestAsync("stop", "datanode1", [], Alice, default);
        Assert.True(waiting.Operation?.State == OperationState.AwaitingApproval, waiting.Refusal);

        var async = await _service.RequestAsync("async", "datanode1", [], Alice, default);
        Assert.Null(async.Refusal);
        Assert.Equal(OperationState.Succeeded, async.Operation!.State);
        Assert.Equal("", _rig.Cluster.Servers["node01:20006"].SyncNames);
        Assert.Equal(OperationState.AwaitingApproval, (await _rig.Operations.GetAsync(waiting.Operation!.Id, default))!.State);

        var sync = await _service.RequestAsync("sync", "datanode1", [], Alice, default);
        Assert.Contains("one operation per pair", sync.Refusal);
    }

    [Fact]
    public async Task A_healthy_pair_after_a_sync_needs_nothing_more_and_the_message_says_so()
    {
        _rig.Cluster.Servers["node01:20006"].SyncNames = "";
        var sync = await _service.RequestAsync("sync", "datanode1", [], Alice, default);
        Assert.Equal(OperationState.Succeeded, sync.Operation!.State);
        Assert.EndsWith("Next: nothing; datanode1 is healthy, in sync.", sync.Operation.Result);
    }
}
