namespace PgxcBot.Tests.Assessment;

/// <summary>
/// Commits blocked by a slave that stopped confirming, judged at the first poll from the commit watch's measurement
/// (issue 19: a frozen sync slave's commits released within about a second of the watch seeing it, not after the 5 s
/// the wait-age rule needs), and never from it alone.
/// </summary>
public sealed class SilentSlaveEvidenceTests
{
    /// <summary>The watch's sighting, with the slave's last confirmation as the poll's row shows it (the silence lasts).</summary>
    private static SilentSlaveSighting Silent(ClusterBuilder builder, double silentMs = 420, double allowedMs = 300) =>
        new(builder.Pair().Config.Master.Endpoint, builder.TakenAt.AddMilliseconds(-30), 3,
            TimeSpan.FromMilliseconds(silentMs), TimeSpan.FromMilliseconds(allowedMs))
        {
            LastFlush = builder.Pair().Row.FlushLsn,
            LastReply = builder.Pair().Row.ReplyTime,
        };

    [Fact]
    public void Commits_waiting_on_a_slave_the_watch_measured_silent_are_blocked_at_once_and_the_message_cites_the_measurement()
    {
        var builder = new ClusterBuilder();
        // Waiting half a second: far below the 5 s the wait age alone needs.
        builder.Pair().Master = builder.Pair().Master with { SyncRepWaiters = 3, OldestSyncRepWait = TimeSpan.FromMilliseconds(500) };
        builder.Pair().SilentSlave = Silent(builder);

        var pair = builder.Assess().Pairs[0];

        Assert.True(pair.CommitsBlocked);
        var blocked = Assert.Single(pair.Problems, p => p.Code == ProblemCodes.CommitsBlocked);
        Assert.Contains("confirmed nothing for 0.4 s while they waited, more than the 0.3 s its own pace allows", blocked.Sentence);
        Assert.Contains("3 sessions are waiting now", blocked.Sentence);
        // The slave is lost for this poll, and why is the measurement, not a reply time the master has not yet aged.
        Assert.Equal(ObservedCondition.SlaveLost, pair.Condition);
        var frozen = Assert.Single(pair.Problems, p => p.Code == ProblemCodes.SlaveFrozen);
        Assert.Contains("the slave confirmed nothing for 0.4 s while 3 commit(s) waited", frozen.Sentence);
        Assert.Contains("looks frozen or cut off", frozen.Sentence);
    }

    [Fact]
    public void Without_the_measurement_the_same_half_second_wait_is_normal_synchronous_latency()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Master = builder.Pair().Master with { SyncRepWaiters = 3, OldestSyncRepWait = TimeSpan.FromMilliseconds(500) };

        var pair = builder.Assess().Pairs[0];

        Assert.False(pair.CommitsBlocked);
        Assert.Equal(ObservedCondition.Sync, pair.Condition);
    }

    [Theory]
    [InlineData(true, false)]  // the slave flushed more WAL since the sighting
    [InlineData(false, true)]  // the slave replied since (a keepalive answer, the same flush position)
    [InlineData(true, true)]
    public void A_silence_that_ended_before_the_poll_is_not_a_frozen_slave(bool flushMoved, bool replied)
    {
        // A one-second stall (a slow fsync on the slave, a loaded host) that ended between the watch's sample and the
        // poll: commits still wait, for the next confirmation, as they do on every synchronous commit.
        var builder = new ClusterBuilder();
        builder.Pair().Master = builder.Pair().Master with { SyncRepWaiters = 1, OldestSyncRepWait = TimeSpan.FromMilliseconds(200) };
        var sighting = Silent(builder, silentMs: 1000, allowedMs: 800);
        builder.Pair().SilentSlave = sighting with
        {
            LastFlush = flushMoved ? new Lsn(sighting.LastFlush!.Value.Value - 64) : sighting.LastFlush,
            LastReply = replied ? sighting.LastReply!.Value.AddMilliseconds(-250) : sighting.LastReply,
        };

        var pair = builder.Assess().Pairs[0];

        Assert.False(pair.CommitsBlocked);
        Assert.Equal(ObservedCondition.Sync, pair.Condition);
        Assert.DoesNotContain(pair.Problems, p => p.Code is ProblemCodes.SlaveFrozen or ProblemCodes.CommitsBlocked);
    }

    [Fact]
    public void A_silence_that_still_lasts_at_the_poll_blocks_commits_whatever_the_sighting_was_measured_with()
    {
        // Before PostgreSQL 12 there is no reply_time: the flush position alone says the silence lasts.
        var builder = new ClusterBuilder();
        builder.Pair().Row = builder.Pair().Row with { ReplyTime = null };
        builder.Pair().Master = builder.Pair().Master with { SyncRepWaiters = 1, OldestSyncRepWait = TimeSpan.FromMilliseconds(200) };
        builder.Pair().SilentSlave = Silent(builder, silentMs: 1000, allowedMs: 800);

        var pair = builder.Assess().Pairs[0];

        Assert.True(pair.CommitsBlocked);
        Assert.Contains(pair.Problems, p => p.Code == ProblemCodes.SlaveFrozen);
    }

    [Fact]
    public void A_measured_silence_with_no_commit_waiting_at_the_poll_blocks_nothing()
    {
        // The slave confirmed again and the waiters drained between the watch's sample and the poll.
        var builder = new ClusterBuilder();
        builder.Pair().Master = builder.Pair().Master with { SyncRepWaiters = 0, OldestSyncRepWait = null };
        builder.Pair().SilentSlave = Silent(builder);

        var pair = builder.Assess().Pairs[0];

        Assert.False(pair.CommitsBlocked);
        Assert.Equal(ObservedCondition.Sync, pair.Condition);
        Assert.DoesNotContain(pair.Problems, p => p.Code == ProblemCodes.SlaveFrozen);
    }
}
