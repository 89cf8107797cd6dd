using PgxcBot.Core.Advice;

namespace PgxcBot.Tests.Advice;

/// <summary>What the bot's records say about a pair: running, waiting, stopped on purpose, promoted.</summary>
public class PairStandingsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 3, 0, 0, TimeSpan.Zero);
    private static readonly Actor Alice = new("alice", "alice", []);

    private static Operation Op(long id, string kind, OperationState state, DateTimeOffset at, StepStatus steps = StepStatus.Succeeded,
        DateTimeOffset? lease = null, bool makesMaster = false)
    {
        var step = new RunbookStep("s1", "step", "here", new WaitOnly("x"), null, null, TimeSpan.FromSeconds(1), true,
            MakesMaster: makesMaster ? "node02:20010" : null);
        var plan = new Runbook(kind, "datanode1", "summary", [step], [], []);
        var record = Operation.PendingSteps(plan).Select(s => s with { Status = steps }).ToArray();
        var decision = state switch
        {
            OperationState.Succeeded => DecisionKind.Succeeded,
            OperationState.Running => DecisionKind.Started,
            OperationState.AwaitingApproval => DecisionKind.Requested,
            OperationState.Interrupted => DecisionKind.Interrupted,
            _ => DecisionKind.Cancelled,
        };
        return new Operation(id, kind, "datanode1", state, Alice, at, null, null, Now.AddMinutes(10), "n" + id, plan, record, null, [])
        {
            LeaseExpiresAt = lease,
            Revision = 1,
        }.With(decision, null, at);
    }

    [Fact]
    public void A_completed_stop_explains_the_pair_until_it_is_seen_healthy_again()
    {
        var stop = Op(3, "stop", OperationState.Succeeded, Now.AddMinutes(-2));
        Assert.Equal(3, PairStandings.From("datanode1", PairState.Degraded, [stop], [], Now).Stopped?.Id);

        var startedByHand = new PairTransition("datanode1", Now.AddMinutes(-1), PairState.Degraded, PairState.Sync, PairTrigger.ObservedSync, "seen");
        Assert.Null(PairStandings.From("datanode1", PairState.Sync, [stop], [startedByHand], Now).Stopped);

        var start = Op(4, "start", OperationState.Succeeded, Now.AddMinutes(-1));
        Assert.Null(PairStandings.From("datanode1", PairState.Degraded, [stop, start], [], Now).Stopped);
        // A cancelled request did nothing to the servers: the stop still explains the pair.
        var cancelled = Op(5, "start", OperationState.Cancelled, Now.AddSeconds(-10), StepStatus.Pending);
        Assert.Equal(3, PairStandings.From("datanode1", PairState.Degraded, [stop, cancelled], [], Now).Stopped?.Id);
    }

    [Fact]
    public void A_running_operation_counts_only_while_its_runner_holds_the_lease()
    {
        var running = Op(6, "promote", OperationState.Running, Now.AddSeconds(-5), StepStatus.Running, lease: Now.AddSeconds(20));
        var standing = PairStandings.From("datanode1", PairState.DegradedMasterLost, [running], [], Now);
        Assert.Equal(6, standing.Running?.Id);
        Assert.Null(standing.Waiting);

        var abandoned = running with { LeaseExpiresAt = Now.AddSeconds(-1) };
        standing = PairStandings.From("datanode1", PairState.DegradedMasterLost, [abandoned], [], Now);
        Assert.Null(standing.Running);
        Assert.Equal(6, standing.Waiting?.Id); // waits for a person: resume or cancel
    }

    [Fact]
    public void A_promote_that_made_the_slave_master_fences_the_old_one_until_the_pair_streams_again()
    {
        var promote = Op(7, "promote", OperationState.Failed, Now.AddMinutes(-1), makesMaster: true);
        Assert.True(PairStandings.From("datanode1", PairState.Sync, [promote], [], Now).OldMasterFenced);
        var rebuilt = new PairTransition("datanode1", Now, PairState.Promoted, PairState.Async, PairTrigger.SlaveRebuilt, "rebuilt");
        Assert.False(PairStandings.From("datanode1", PairState.Async, [promote], [rebuilt], Now).OldMasterFenced);
        var refusedEarly = Op(8, "promote", OperationState.Failed, Now.AddMinutes(-1), StepStatus.Failed, makesMaster: true);
        Assert.False(PairStandings.From("datanode1", PairState.DegradedMasterLost, [refusedEarly], [], Now).OldMasterFenced);
    }
}
