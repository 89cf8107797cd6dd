using PgxcBot.Tests.Assessment;
using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Monitoring;

/// <summary>A frozen slave keeps its walsender row "streaming" until wal_sender_timeout; the assessor
/// judges it by comparing two polls.</summary>
public class SlaveSilenceTests
{
    private static readonly Lsn Behind = new(ClusterBuilder.Head.Value - 8192);

    /// <summary>The master holds WAL the slave has not confirmed, and commits wait.</summary>
    private static ClusterBuilder Waiting(DateTimeOffset at, DateTimeOffset lastReply)
    {
        var cluster = new ClusterBuilder { TakenAt = at };
        var pair = cluster.Pair();
        pair.Row = pair.Row with { FlushLsn = Behind, WriteLsn = Behind, ReplayLsn = Behind, ReplyTime = lastReply };
        pair.Master = pair.Master with { SyncRepWaiters = 3 };
        return cluster;
    }

    [Fact]
    public void A_slave_silent_for_a_whole_poll_while_commits_wait_is_frozen_and_commits_are_blocked()
    {
        var t0 = ClusterBuilder.Now;
        var reply = t0.AddMilliseconds(-300);
        var first = Waiting(t0, reply).Assess();
        Assert.Equal(ObservedCondition.Sync, first.Pairs[0].Condition); // one poll proves nothing

        var second = Waiting(t0.AddSeconds(1), reply);
        second.Pair().SlaveStatus = ProbeStatus.Timeout;
        var pair = second.Assess(first).Pairs[0];

        Assert.Equal(ObservedCondition.SlaveLost, pair.Condition);
        Assert.True(pair.CommitsBlocked);
        var frozen = Assert.Single(pair.Problems, p => p.Code == ProblemCodes.SlaveFrozen);
        Assert.Contains("3 commit(s) wait for it", frozen.Sentence);
        Assert.Contains(pair.Problems, p => p.Code == ProblemCodes.CommitsBlocked);
    }

    [Fact]
    public void A_slave_that_replied_since_the_last_poll_is_healthy_even_with_commits_waiting()
    {
        var t0 = ClusterBuilder.Now;
        var first = Waiting(t0, t0.AddMilliseconds(-300)).Assess();
        var pair = Waiting(t0.AddSeconds(1), t0.AddMilliseconds(990)).Assess(first).Pairs[0];
        Assert.Equal(ObservedCondition.Sync, pair.Condition);
        Assert.False(pair.CommitsBlocked);
    }

    [Fact]
    public void An_idle_pair_whose_slave_has_everything_is_not_judged_by_its_old_reply()
    {
        var t0 = ClusterBuilder.Now;
        var idle = new ClusterBuilder { TakenAt = t0 };
        idle.Pair().Row = idle.Pair().Row with { ReplyTime = t0.AddSeconds(-8) };
        var first = idle.Assess();
        idle.TakenAt = t0.AddSeconds(1);
        Assert.Equal(ObservedCondition.Sync, idle.Assess(first).Pairs[0].Condition);
    }

    [Fact]
    public void After_the_switch_to_async_a_still_silent_slave_stays_lost()
    {
        var t0 = ClusterBuilder.Now;
        var reply = t0.AddSeconds(-2);
        var before = Waiting(t0, reply).Async();
        before.Pair().Master = before.Pair().Master with { SyncRepWaiters = 0 };
        var first = before.Assess();
        before.TakenAt = t0.AddSeconds(1);
        var pair = before.Assess(first).Pairs[0];
        Assert.Equal(ObservedCondition.SlaveLost, pair.Condition);
        Assert.False(pair.CommitsBlocked);
        Assert.Contains(pair.Problems, p => p.Code == ProblemCodes.SlaveFrozen);
    }
}
