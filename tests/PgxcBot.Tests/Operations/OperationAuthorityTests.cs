namespace PgxcBot.Tests.Operations;

/// <summary>Who may cancel and resume, and why an operation past its point of no return is not just cancelled.</summary>
public sealed class OperationAuthorityTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero));
    private readonly MemoryOperationStore _store = new();
    private readonly OperationLab _lab;
    private readonly OperationService _service;

    public OperationAuthorityTests()
    {
        _lab = new OperationLab(_time);
        _service = _lab.Service(_store, new MemoryTopologyStore());
    }

    private async Task<Operation> AwaitingAsync() =>
        (await _service.RequestAsync("promote", "datanode1", [], OperationLab.Alice, default)).Operation!;

    /// <summary>Approved, then the bot died with the first <paramref name="done"/> steps done and the next one running.</summary>
    private async Task<Operation> InterruptedAfterAsync(int done)
    {
        var op = await AwaitingAsync();
        var steps = op.Steps.Select(s => s.Index < done ? s with { Status = StepStatus.Succeeded } : s.Index == done ? s with { Status = StepStatus.Running } : s).ToArray();
        _store.Overwrite(op with { State = OperationState.Running, ApprovedBy = OperationLab.Bob, ApprovedAt = _time.GetUtcNow(), Steps = steps });
        var interrupted = Assert.Single(await _service.RecoverAsync(default));
        Assert.Equal(OperationState.Interrupted, interrupted.State);
        return interrupted;
    }

    private async Task<Operation> StoredAsync(long id) => (await _store.GetAsync(id, default))!;

    [Fact]
    public async Task Someone_in_no_approvals_list_cannot_cancel_a_waiting_operation()
    {
        var op = await AwaitingAsync();
        var refused = await _service.CancelAsync(op.Id, OperationLab.Mallory, default);
        Assert.Contains("mallory may not cancel operation", refused.Refusal);
        Assert.Equal(OperationState.AwaitingApproval, (await StoredAsync(op.Id)).State);

        var requester = await _service.CancelAsync(op.Id, OperationLab.Alice, default);
        Assert.Equal(OperationState.Cancelled, requester.Operation!.State);
        Assert.Contains("cancelled by alice; nothing ran.", requester.Operation.Result);
    }

    [Fact]
    public async Task Someone_in_no_approvals_list_can_neither_cancel_nor_resume_an_interrupted_promote()
    {
        var op = await InterruptedAfterAsync(done: 1);
        Assert.Contains("may not cancel", (await _service.CancelAsync(op.Id, OperationLab.Mallory, default)).Refusal);
        Assert.Contains("may not cancel", (await _service.CancelAsync(op.Id, OperationLab.Mallory, default, abandon: true)).Refusal);
        Assert.Contains("may not resume", (await _service.ResumeAsync(op.Id, OperationLab.Mallory, default)).Refusal);
        Assert.Equal(OperationState.Interrupted, (await StoredAsync(op.Id)).State);
        Assert.Equal(0, _lab.Cluster.Ran("pg_ctl promote"));
    }

    [Fact]
    public async Task Cancelling_after_the_fence_and_before_the_promote_is_refused_with_the_resume_command()
    {
        var op = await InterruptedAfterAsync(done: 1); // the fence stopped the old master; the rest did not run
        Assert.True(op.Plan.Steps[0].PointOfNoReturn);

        var refused = await _service.CancelAsync(op.Id, OperationLab.Alice, default);
        Assert.Contains("past its point of no return", refused.Refusal);
        Assert.Contains("Fence: stop the old master", refused.Refusal);
        Assert.Contains("undo: pg_ctl start on the old master", refused.Refusal);
        Assert.Equal($"/pgxc resume {op.Id}", refused.NextStep);
        Assert.Equal(OperationState.Interrupted, (await StoredAsync(op.Id)).State);

        // The answer is resume: it finishes the promote.
        var resumed = await _service.ResumeAsync(op.Id, OperationLab.Alice, default);
        Assert.Equal(OperationState.Succeeded, resumed.Operation!.State);
        Assert.False(_lab.Cluster.Servers["node02:20010"].InRecovery);
    }

    [Fact]
    public async Task Past_the_point_of_no_return_only_an_approver_may_abandon_and_the_record_says_nothing_was_undone()
    {
        var op = await InterruptedAfterAsync(done: 3); // fence, mark, promote done: coordinators still point at the old master
        var requesterOnly = new Actor("oscar", "oscar", ["ops"]);
        var service = _lab.Service(_store, new MemoryTopologyStore());
        var policy = _lab.Policy with { RequesterRoles = new HashSet<string> { "dba", "ops" } };
        var withOps = _lab.Cluster.OperationService(_lab.Topology, _store, policy, _time, new OperationLab.Recorder());

        Assert.Contains("only someone listed in approvals.approvers", (await withOps.CancelAsync(op.Id, requesterOnly, default, abandon: true)).Refusal);
        Assert.Contains("past its point of no return", (await service.CancelAsync(op.Id, OperationLab.Bob, default)).Refusal);

        var abandoned = await service.CancelAsync(op.Id, OperationLab.Bob, default, abandon: true);
        Assert.Equal(OperationState.Cancelled, abandoned.Operation!.State);
        Assert.Contains("abandoned by bob past its point of no return; the bot undid nothing", abandoned.Operation.Result);
        Assert.Contains("3. Promote the slave on node02 (done)", abandoned.Operation.Result);
        Assert.Equal(DecisionKind.Abandoned, abandoned.Operation.LastDecision!.Kind);
    }

    [Fact]
    public async Task A_fence_that_was_running_counts_as_run_while_an_operation_where_nothing_ran_may_be_cancelled()
    {
        var op = await InterruptedAfterAsync(done: 0); // the fence was running: it may have stopped the master
        Assert.Contains("past its point of no return", (await _service.CancelAsync(op.Id, OperationLab.Alice, default)).Refusal);

        var untouched = await AwaitingAsync2();
        var cancelled = await _service.CancelAsync(untouched.Id, OperationLab.Carol, default);
        Assert.Equal(OperationState.Cancelled, cancelled.Operation!.State);
    }

    /// <summary>An awaiting promote of datanode2 (its master also lost), for a pair with nothing run.</summary>
    private async Task<Operation> AwaitingAsync2()
    {
        _lab.Pairs.Transitions.Add(new Core.Pairs.PairTransition("datanode2", _time.GetUtcNow(), Core.Pairs.PairState.Sync, Core.Pairs.PairState.DegradedMasterLost,
            Core.Pairs.PairTrigger.ObservedMasterLost, "master lost"));
        _lab.Cluster.Servers["node02:20008"].Running = false;
        var requested = await _service.RequestAsync("promote", "datanode2", [], OperationLab.Alice, default);
        return requested.Operation ?? throw new InvalidOperationException(requested.Refusal);
    }

    [Fact]
    public async Task A_running_operation_is_not_cancelled_and_the_answer_says_where_it_is()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var service = _lab.Service(_store, new MemoryTopologyStore(), shell: new HookedShell(_lab.Cluster, async command =>
        {
            if (!command.Text.Contains("pg_ctl promote", StringComparison.Ordinal)) return;
            reached.TrySetResult();
            await hold.Task;
        }));
        var op = (await service.RequestAsync("promote", "datanode1", [], OperationLab.Alice, default)).Operation!;
        var running = Task.Run(() => service.ApproveAsync(op.Id, op.Nonce, OperationLab.Bob, [], default));
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var refused = await _service.CancelAsync(op.Id, OperationLab.Alice, default);
        Assert.Contains($"operation {op.Id} is running (step 3 of", refused.Refusal);
        var second = await _service.ApproveAsync(op.Id, op.Nonce, OperationLab.Carol, [], default);
        Assert.Contains("already approved by bob at 03:00:00 UTC and is running (step 3 of", second.Refusal);

        hold.SetResult();
        Assert.Equal(OperationState.Succeeded, (await running.WaitAsync(TimeSpan.FromSeconds(30))).Operation!.State);
    }
}
