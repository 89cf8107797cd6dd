using PgxcBot.Core.Pairs;
using PgxcBot.Core.Runbooks;

namespace PgxcBot.IntegrationTests.Operations;

public sealed class PromoteEndToEndTests : OperationLabTest
{
    [Fact]
    public async Task A_dead_sync_master_is_replaced_without_losing_an_acknowledged_commit_and_every_coordinator_follows()
    {
        Assert.Equal(ObservedCondition.Sync, (await Lab.ObserveAsync(Ct)).Pairs[0].Condition);
        // A client commits in a loop; a row counts once its COMMIT returned. It stops before the kill (KillMasterAsync
        // waits for the slave to have everything): this test is about the promote the bot proves safe; a commit in
        // flight at the kill is the next test's.
        await using var writer = await LedgerWriter.StartAsync(Lab, Ct);
        await Support.Poll.UntilAsync(() => Task.FromResult(writer.Count), n => n >= 100, Deadline, "100 commits", Ct);
        await writer.DisposeAsync();

        var degraded = await KillMasterAsync();
        Assert.Equal(PairState.DegradedMasterLost, await Lab.Store.GetStateAsync("datanode1", Ct));
        Assert.True(degraded.Pairs[0].Promote?.Safe == true, degraded.Pairs[0].Promote?.Summary);

        var requested = await Lab.Service.RequestAsync("promote", "datanode1", [], OperationHarness.Alice, Ct);
        Assert.Equal(OperationState.AwaitingApproval, requested.Operation!.State);
        Assert.Contains(requested.Operation.Plan.Steps, s => s.Id == "fence-stop-old-master"); // node01 answers SSH

        var selfApproved = await Lab.Service.ApproveAsync(requested.Operation.Id, null, OperationHarness.Alice, [], Ct);
        Assert.Contains("self-approval", selfApproved.Refusal);

        var done = (await Lab.Service.ApproveAsync(requested.Operation.Id, requested.Operation.Nonce, OperationHarness.Bob, [], Ct)).Operation!;
        Assert.True(done.State == OperationState.Succeeded, Explain(done));

        // The new master is writable, has every acknowledged row, and no longer waits for a standby.
        var slave = Lab.Pair.Slave;
        Assert.False(await Lab.QueryAsync<bool>(slave, "SELECT pg_is_in_recovery()", Ct));
        Assert.Equal("", await Lab.QueryAsync<string>(slave, "SHOW synchronous_standby_names", Ct));
        Assert.Equal(writer.Count, await writer.CountOnAsync(Lab, slave, Ct));
        await Lab.QueryAsync<int>(slave, "INSERT INTO ledger VALUES (-1); SELECT 1", Ct);

        // Fenced: the old master is down and would come back as a standby.
        Assert.False(Lab.Pair.Master.IsRunning);
        Assert.True(File.Exists(Path.Combine(Lab.Pair.Master.DataDir, "standby.signal")));

        // Every coordinator routes datanode1 to the new master, and so does the datanode's own catalog
        // (reached through coord1; the simulator keeps datanode catalogs per simulator).
        foreach (var coordinator in Lab.Coordinators)
        {
            Assert.Equal($"datanode1|{slave.Port}|f", await OperationHarness.IdentityThroughAsync(coordinator, Ct));
            Assert.Contains(coordinator.CoordinatorCatalog, r => r.NodeName == "datanode1" && r.NodePort == slave.Port);
        }
        Assert.Contains(Lab.Coordinators[0].NodeCatalog("datanode1"), r => r.NodeName == "datanode1" && r.NodePort == slave.Port && r.NodeType == 'D');

        // The bot knows who is master now, and the pair is promoted.
        var roles = Assert.Single(await new PgxcBot.Store.SqliteTopologyStore(Lab.Store).GetRolesAsync(Ct));
        Assert.Equal(slave.Port, roles.Master.Port);
        Assert.Equal(PairState.Promoted, await Lab.Store.GetStateAsync("datanode1", Ct));
    }

    [Fact]
    public async Task A_master_killed_under_a_committing_writer_is_replaced_without_losing_an_acknowledged_commit_accepting_only_what_was_never_confirmed()
    {
        await Lab.ObserveAsync(Ct);
        await using var writer = await LedgerWriter.StartAsync(Lab, Ct);
        await Support.Poll.UntilAsync(() => Task.FromResult(writer.Count), n => n >= 100, Deadline, "100 commits", Ct);

        // Killed while committing: the commit in flight may be on the master's disk and not yet on the slave.
        await Lab.Pair.Master.KillAsync(Ct);
        await writer.Stopped.WaitAsync(Deadline, Ct);
        await Support.Poll.UntilAsync(() => Lab.ObserveAsync(Ct), a => a.Pairs[0].Condition == ObservedCondition.MasterLost,
            Deadline, "the master to be seen lost", Ct);

        // The bot judges from the dead master's WAL on its disk against what the slave received: when they differ it
        // says by how much and demands accepting the loss (the gap can hold only the unconfirmed commit, but nothing
        // proves it); when they do not, the promote needs no such acceptance.
        var requested = await Lab.Service.RequestAsync("promote", "datanode1", [], OperationHarness.Alice, Ct);
        string[] options = [];
        if (requested.Refusal is { } refusal)
        {
            Assert.Contains("WAL the old master wrote but the slave never received", refusal);
            Assert.Contains("--accept-data-loss", requested.NextStep);
            options = [OperationService.AcceptDataLoss];
            requested = await Lab.Service.RequestAsync("promote", "datanode1", options, OperationHarness.Alice, Ct);
        }
        var operation = requested.Operation ?? throw new Xunit.Sdk.XunitException($"refused with the loss accepted: {requested.Refusal}");
        var done = (await Lab.Service.ApproveAsync(operation.Id, operation.Nonce, OperationHarness.Bob, options, Ct)).Operation!;
        Assert.True(done.State == OperationState.Succeeded, Explain(done));

        // Whatever was given up was never acknowledged: every row whose COMMIT returned is on the new master.
        Assert.Equal(writer.Count, await writer.CountOnAsync(Lab, Lab.Pair.Slave, Ct));
    }

    [Fact]
    public async Task A_bot_killed_in_the_middle_of_a_promote_finds_it_interrupted_and_resume_finishes_it()
    {
        await Lab.ObserveAsync(Ct);
        await KillMasterAsync();

        // The first bot process dies as soon as the promote step has started.
        using var death = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await Lab.RestartBotAsync(Ct, new DieAt("promote-slave", death));
        var requested = (await Lab.Service.RequestAsync("promote", "datanode1", [], OperationHarness.Alice, Ct)).Operation!;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Lab.Service.ApproveAsync(requested.Id, requested.Nonce, OperationHarness.Bob, [], death.Token));

        await Lab.RestartBotAsync(Ct);
        var interrupted = Assert.Single(await Lab.Service.RecoverAsync(Ct));
        Assert.Equal(OperationState.Interrupted, interrupted.State);
        Assert.Contains("\"Promote the slave on node02\" was running", interrupted.Result);
        Assert.Equal(StepStatus.Running, interrupted.Steps.Single(s => s.StepId == "promote-slave").Status);
        Assert.All(interrupted.Steps.TakeWhile(s => s.StepId != "promote-slave"), s => Assert.NotEqual(StepStatus.Pending, s.Status));

        var resumed = (await Lab.Service.ResumeAsync(interrupted.Id, OperationHarness.Alice, Ct)).Operation!;
        Assert.True(resumed.State == OperationState.Succeeded, Explain(resumed));
        Assert.Equal(StepStatus.Succeeded, resumed.Steps.Single(s => s.StepId == "promote-slave").Status);
        Assert.False(await Lab.QueryAsync<bool>(Lab.Pair.Slave, "SELECT pg_is_in_recovery()", Ct));
        foreach (var coordinator in Lab.Coordinators)
            Assert.Equal($"datanode1|{Lab.Pair.Slave.Port}|f", await OperationHarness.IdentityThroughAsync(coordinator, Ct));
    }

    [Fact]
    public async Task A_coordinator_down_during_the_repoint_is_reported_and_repoint_finishes_the_job()
    {
        await Lab.ObserveAsync(Ct);
        await KillMasterAsync();
        var requested = (await Lab.Service.RequestAsync("promote", "datanode1", [], OperationHarness.Alice, Ct)).Operation!;

        Lab.Coordinators[1].Down = true;
        var partial = (await Lab.Service.ApproveAsync(requested.Id, null, OperationHarness.Bob, [], Ct)).Operation!;
        Assert.Equal(OperationState.Failed, partial.State);
        Assert.Equal(StepStatus.Succeeded, partial.Steps.Single(s => s.StepId == "repoint-coord1").Status);
        Assert.Equal(StepStatus.Failed, partial.Steps.Single(s => s.StepId == "repoint-coord2").Status);
        Assert.Contains("/pgxc repoint datanode1", partial.Result);

        Lab.Coordinators[1].Down = false;
        var repoint = (await Lab.Service.RequestAsync("repoint", "datanode1", [], OperationHarness.Alice, Ct)).Operation!;
        Assert.True(repoint.State == OperationState.Succeeded, Explain(repoint));
        Assert.Equal(StepStatus.Skipped, repoint.Steps.Single(s => s.StepId == "repoint-coord1").Status);
        Assert.Equal(StepStatus.Succeeded, repoint.Steps.Single(s => s.StepId == "repoint-coord2").Status);
        Assert.Equal($"datanode1|{Lab.Pair.Slave.Port}|f", await OperationHarness.IdentityThroughAsync(Lab.Coordinators[1], Ct));
    }

    /// <summary>Cancels (the bot "dies") when the named step starts.</summary>
    private sealed class DieAt(string stepId, CancellationTokenSource death) : IOperationObserver
    {
        public Task OnEventAsync(OperationEvent operationEvent, CancellationToken cancellationToken)
        {
            if (operationEvent is { Kind: OperationEventKind.StepStarted, StepIndex: { } i } && operationEvent.Operation.Steps[i].StepId == stepId)
                death.Cancel();
            return Task.CompletedTask;
        }
    }
}
