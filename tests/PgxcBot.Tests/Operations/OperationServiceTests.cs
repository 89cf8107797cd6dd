using PgxcBot.Core.Runbooks.Planners;
using static PgxcBot.Tests.Support.TestActors;

namespace PgxcBot.Tests.Operations;

public class OperationServiceTests
{
    private readonly FakeClusterRig _rig = new();
    private readonly MemoryTopologyStore _roles = new();
    private readonly MemoryPairStateStore _pairs = new();
    private readonly RecordingEvents _events = new();
    private readonly RecordingSink _sink = new();
    private readonly OperationService _service;

    public OperationServiceTests()
    {
        _service = _rig.Cluster.OperationService(new TopologyState(_rig.Topology, _roles, _rig.Time), _rig.Operations, _rig.Policy, _rig.Time, _events, _sink);
    }

    private void MasterDiedWhileSync()
    {
        _rig.Cluster.Sight();
        _rig.Cluster.MasterLost(_pairs, "datanode1", _rig.Time.GetUtcNow());
    }

    [Fact]
    public async Task A_promote_waits_for_a_second_person_then_runs_every_step_and_records_the_new_master()
    {
        MasterDiedWhileSync();
        var requested = await _service.RequestAsync("promote", "datanode1", [], Alice, default);
        Assert.Equal(OperationState.AwaitingApproval, requested.Operation!.State);
        Assert.DoesNotContain(_rig.Cluster.Log, l => l.Contains("promote", StringComparison.Ordinal));

        var self = await _service.ApproveAsync(requested.Operation.Id, requested.Operation.Nonce, Alice, [], default);
        Assert.Contains("self-approval is not allowed", self.Refusal);
        var outsider = await _service.ApproveAsync(requested.Operation.Id, requested.Operation.Nonce, Mallory, [], default);
        Assert.Contains("may not approve", outsider.Refusal);

        var done = await _service.ApproveAsync(requested.Operation.Id, requested.Operation.Nonce, Bob, [], default);
        var operation = done.Operation!;
        Assert.True(operation.State == OperationState.Succeeded, Explain(operation));
        Assert.Equal(Bob, operation.ApprovedBy);
        Assert.All(operation.Steps, s => Assert.Contains(s.Status, new[] { StepStatus.Succeeded, StepStatus.Skipped }));

        Assert.False(_rig.Cluster.Servers["node02:20010"].InRecovery);
        Assert.Equal("", _rig.Cluster.Servers["node02:20010"].SyncNames);
        Assert.All(["coord1", "coord2", "datanode1", "datanode2"], c => Assert.Equal("node02|20010", _rig.Cluster.Catalogs[c]["datanode1"]));
        var roles = Assert.Single(_roles.Saved);
        Assert.Equal("node02:20010", roles.Master.Endpoint);
        Assert.Equal("node01:20006", roles.Slave!.Endpoint);
        Assert.Same(operation, _sink.Succeeded.Single());
    }

    [Fact]
    public async Task Each_step_is_stored_running_before_it_runs_and_finished_after()
    {
        MasterDiedWhileSync();
        var requested = await _service.RequestAsync("promote", "datanode1", [], Alice, default);
        await _service.ApproveAsync(requested.Operation!.Id, null, Bob, [], default);

        var promoteIndex = requested.Operation.Plan.Steps.ToList().FindIndex(s => s.Id == "promote-slave");
        var statuses = _rig.Operations.Writes.Select(w => w.Steps[promoteIndex].Status).Distinct().ToArray();
        Assert.Equal([StepStatus.Pending, StepStatus.Running, StepStatus.Succeeded], statuses);
        Assert.Equal(
            [OperationEventKind.AwaitingApproval, OperationEventKind.Started, OperationEventKind.StepStarted, OperationEventKind.StepFinished],
            _events.Kinds.Take(4));
        Assert.Equal(OperationEventKind.Finished, _events.Kinds.Last());
    }

    [Fact]
    public async Task An_expired_approval_is_refused()
    {
        MasterDiedWhileSync();
        var requested = await _service.RequestAsync("promote", "datanode1", [], Alice, default);
        _rig.Time.Advance(TimeSpan.FromMinutes(11));
        var late = await _service.ApproveAsync(requested.Operation!.Id, null, Bob, [], default);
        Assert.Contains("approval window", late.Refusal);
        Assert.True(_rig.Cluster.Servers["node02:20010"].InRecovery);

        // A new request closes the expired one, and history says so.
        var again = await _service.RequestAsync("promote", "datanode1", [], Alice, default);
        Assert.Equal(OperationState.AwaitingApproval, again.Operation!.State);
        var expired = (await _rig.Operations.GetAsync(requested.Operation.Id, default))!;
        Assert.Equal(OperationState.Cancelled, expired.State);
        Assert.Contains("not approved before", expired.Result);
    }

    [Fact]
    public async Task When_the_plan_changed_between_request_and_approval_the_new_plan_needs_a_new_approval()
    {
        MasterDiedWhileSync();
        _rig.Cluster.DownHosts.Add("node01"); // at request time the old master's host does not answer SSH
        var requested = await _service.RequestAsync("promote", "datanode1", [], Alice, default);
        Assert.Equal([PromotePlanner.FencingUnverified], requested.Operation!.Plan.Acknowledgements);

        var unacknowledged = await _service.ApproveAsync(requested.Operation.Id, null, Bob, [], default);
        Assert.Contains("acknowledged explicitly", unacknowledged.Refusal);

        _rig.Cluster.DownHosts.Remove("node01"); // the host is back: the plan now fences it
        var changed = await _service.ApproveAsync(requested.Operation.Id, requested.Operation.Nonce, Bob, [PromotePlanner.FencingUnverified], default);
        Assert.Contains("needs a new approval", changed.Refusal);
        Assert.True(changed.PlanChanged);
        var shown = PgxcBot.Core.Messages.OperationMessageBuilder.Refused(changed, "approve 1");
        Assert.Equal("Operation 1: plan changed, approve again", shown.Title);
        Assert.Contains(shown.Actions, a => a.Command.Contains("--plan " + changed.Operation!.Nonce, StringComparison.Ordinal));
        Assert.Equal(OperationState.AwaitingApproval, changed.Operation!.State);
        Assert.Contains(changed.Operation.Plan.Steps, s => s.Id == "fence-stop-old-master");
        Assert.True(_rig.Cluster.Servers["node02:20010"].InRecovery, "nothing may run on a changed plan");

        var stale = await _service.ApproveAsync(requested.Operation.Id, requested.Operation.Nonce, Bob, [], default);
        Assert.Contains("older plan", stale.Refusal);

        var approved = await _service.ApproveAsync(requested.Operation.Id, changed.Operation.Nonce, Bob, [], default);
        Assert.Equal(OperationState.Succeeded, approved.Operation!.State);
    }

    [Fact]
    public async Task A_slave_that_was_async_when_the_master_died_is_refused_unless_data_loss_is_accepted()
    {
        _pairs.Transitions.Add(new PairTransition("datanode1", _rig.Time.GetUtcNow(), PairState.Async, PairState.DegradedMasterLost,
            PairTrigger.ObservedMasterLost, "master lost"));
        _rig.Cluster.Servers["node01:20006"].Running = false;

        var refused = await _service.RequestAsync("promote", "datanode1", [], Alice, default);
        Assert.Contains("not in sync", refused.Refusal);
        Assert.Null(refused.Operation);

        var accepted = await _service.RequestAsync("promote", "datanode1", [OperationService.AcceptDataLoss], Alice, default);
        Assert.Contains(accepted.Operation!.Plan.Warnings, w => w.StartsWith("DATA LOSS ACCEPTED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task One_coordinator_down_during_the_repoint_gives_a_partial_result_that_repoint_finishes()
    {
        MasterDiedWhileSync();
        var requested = await _service.RequestAsync("promote", "datanode1", [], Alice, default);
        _rig.Cluster.DownCoordinators.Add("coord2");
        var result = (await _service.ApproveAsync(requested.Operation!.Id, null, Bob, [], default)).Operation!;

        Assert.Equal(OperationState.Failed, result.State);
        Assert.Equal(StepStatus.Failed, result.Steps.Single(s => s.StepId == "repoint-coord2").Status);
        Assert.Equal(StepStatus.Succeeded, result.Steps.Single(s => s.StepId == "repoint-coord1").Status);
        Assert.Contains("/pgxc repoint datanode1", result.Result);
        Assert.False(_rig.Cluster.Servers["node02:20010"].InRecovery);

        _rig.Cluster.DownCoordinators.Clear();
        var repoint = (await _service.RequestAsync("repoint", "datanode1", [], Alice, default)).Operation!;
        Assert.Equal(OperationState.Succeeded, repoint.State);
        Assert.Equal(StepStatus.Skipped, repoint.Steps.Single(s => s.StepId == "repoint-coord1").Status);
        Assert.Equal(StepStatus.Succeeded, repoint.Steps.Single(s => s.StepId == "repoint-coord2").Status);
        Assert.Equal("node02|20010", _rig.Cluster.Catalogs["coord2"]["datanode1"]);
    }

    [Fact]
    public async Task An_operation_running_when_the_bot_died_is_interrupted_at_start_and_resume_only_does_what_is_left()
    {
        MasterDiedWhileSync();
        var requested = await _service.RequestAsync("promote", "datanode1", [], Alice, default);
        var plan = requested.Operation!.Plan;
        // The bot died right after the promote itself: fence and promote done, the promote step still "running".
        _rig.Cluster.Servers["node01:20006"].Running = false;
        _rig.Cluster.Files.Add("/home/postgresxc/pgxc/datanode/standby.signal");
        _rig.Cluster.Servers["node02:20010"].InRecovery = false;
        var steps = requested.Operation.Steps.Select(s => s.Index < 2 ? s with { Status = StepStatus.Succeeded }
            : s.Index == 2 ? s with { Status = StepStatus.Running } : s).ToArray();
        _rig.Operations.Overwrite(requested.Operation with { State = OperationState.Running, ApprovedBy = Bob, Steps = steps });

        var interrupted = Assert.Single(await _service.RecoverAsync(default));
        Assert.Equal(OperationState.Interrupted, interrupted.State);
        Assert.Contains("2 of 8 steps had completed", interrupted.Result);
        Assert.Contains("\"Promote the slave on node02\" was running", interrupted.Result);

        var busy = await _service.RequestAsync("sync", "datanode1", [], Alice, default);
        Assert.Contains($"/pgxc resume {interrupted.Id}", busy.NextStep);

        var resumed = (await _service.ResumeAsync(interrupted.Id, Alice, default)).Operation!;
        Assert.Equal(OperationState.Succeeded, resumed.State);
        Assert.Equal(StepStatus.Skipped, resumed.Steps[2].Status);
        Assert.DoesNotContain(_rig.Cluster.Log, l => l.Contains("pg_ctl promote", StringComparison.Ordinal));
        Assert.Equal("node02|20010", _rig.Cluster.Catalogs["coord1"]["datanode1"]);
        Assert.Equal("node02:20010", _roles.Saved.Last().Master.Endpoint);
    }

    [Theory]
    [InlineData(2)] // fence and the promote's preparation done, the promote itself running
    [InlineData(1)] // only the fence done
    public async Task A_promote_the_previous_active_replica_ran_is_finished_by_the_takeover_at_once_but_start_up_recovery_leaves_it(int done)
    {
        MasterDiedWhileSync();
        var requested = await _service.RequestAsync("promote", "datanode1", [], Alice, default);
        _rig.Cluster.Servers["node01:20006"].Running = false;
        // The other replica, alive as far as its claim says (renewed 5 s ago), ran the first steps.
        var steps = requested.Operation!.Steps.Select(s => s.Index < done ? s with { Status = StepStatus.Succeeded }
            : s.Index == done ? s with { Status = StepStatus.Running } : s).ToArray();
        _rig.Operations.Overwrite(requested.Operation with
        {
            State = OperationState.Running, ApprovedBy = Bob, Steps = steps, Runner = "bot-a.example/4242/0a1b2c", LeaseExpiresAt = _rig.Time.GetUtcNow() + TimeSpan.FromSeconds(25),
        });

        // A single process's start-up leaves an operation whose runner's claim still runs.
        Assert.Empty(await _service.RecoverAsync(default));

        var taken = Assert.Single(await _service.TakeOverAsync(new Actor("pgxcbot-takeover", "replica bot-b's takeover", []), default));
        Assert.False(taken.IsRefused, taken.Refusal);
        var finished = taken.Operation!;
        Assert.Equal(OperationState.Succeeded, finished.State);
        Assert.All(finished.Steps.Take(done), s => Assert.Equal(StepStatus.Succeeded, s.Status));
        Assert.Contains(OperationEventKind.Interrupted, _events.Kinds);
        Assert.False(_rig.Cluster.Servers["node02:20010"].InRecovery);
        Assert.Equal("node02|20010", _rig.Cluster.Catalogs["coord1"]["datanode1"]);
        Assert.Equal("node02|20010", _rig.Cluster.Catalogs["coord2"]["datanode1"]);

        // Nothing is left for a second takeover.
        Assert.Empty(await _service.TakeOverAsync(new Actor("pgxcbot-takeover", "replica bot-a's takeover", []), default));
    }

    [Fact]
    public async Task Async_releases_a_lost_sync_slave_without_approval_but_lowering_a_healthy_pair_needs_one()
    {
        var healthy = await _service.RequestAsync("async", "datanode1", [], Alice, default);
        Assert.Equal(OperationState.AwaitingApproval, healthy.Operation!.State);
        Assert.Contains(healthy.Operation.Plan.Warnings, w => w.Contains("may be lost", StringComparison.Ordinal));
        await _service.CancelAsync(healthy.Operation.Id, Alice, default);

        _rig.Cluster.Servers["node02:20010"].Running = false;
        var released = (await _service.RequestAsync("async", "datanode1", [], Alice, default)).Operation!;
        Assert.Equal(OperationState.Succeeded, released.State);
        Assert.Null(released.ApprovedBy);
        Assert.Equal("", _rig.Cluster.Servers["node01:20006"].SyncNames);
    }

    [Fact]
    public async Task Sync_refuses_a_slave_that_is_not_streaming_and_enables_one_that_is()
    {
        _rig.Cluster.Servers["node01:20006"].SyncNames = "";
        _rig.Cluster.Servers["node02:20010"].Running = false;
        var refused = await _service.RequestAsync("sync", "datanode1", [], Alice, default);
        Assert.Contains("would block every commit", refused.Refusal);

        _rig.Cluster.Servers["node02:20010"].Running = true;
        var enabled = (await _service.RequestAsync("sync", "datanode1", [], Alice, default)).Operation!;
        Assert.Equal(OperationState.Succeeded, enabled.State);
        Assert.Equal("datanode1_slave", _rig.Cluster.Servers["node01:20006"].SyncNames);
    }

    [Fact]
    public async Task Only_listed_people_may_request_and_one_operation_per_pair_at_a_time()
    {
        var outsider = await _service.RequestAsync("async", "datanode1", [], Mallory, default);
        Assert.Contains("may not request", outsider.Refusal);

        var first = await _service.RequestAsync("async", "datanode1", [], Alice, default);
        var second = await _service.RequestAsync("async", "datanode1", [], Bob, default);
        Assert.Contains($"already has operation {first.Operation!.Id}", second.Refusal);
        var otherPair = await _service.RequestAsync("async", "datanode2", [], Bob, default);
        Assert.False(otherPair.IsRefused);
    }

    /// <summary>Every step's outcome, for the failure message of a test that expected success.</summary>
    private static string Explain(Operation operation) =>
        $"{operation.State}: {operation.Result}\n" + string.Join('\n', operation.Steps.Select(s => $"  {s.StepId}: {s.Status} {s.Summary}"));

    private sealed class RecordingEvents : IOperationObserver
    {
        public List<OperationEventKind> Kinds { get; } = [];
        public Task OnEventAsync(OperationEvent operationEvent, CancellationToken cancellationToken)
        {
            Kinds.Add(operationEvent.Kind);
            return Task.CompletedTask;
        }
    }

    private sealed class RecordingSink : IPairOperationSink
    {
        public List<Operation> Succeeded { get; } = [];
        public Task OperationSucceededAsync(Operation operation, CancellationToken cancellationToken)
        {
            Succeeded.Add(operation);
            return Task.CompletedTask;
        }
    }
}
