using PgxcBot.Tests.Assessment;
using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Monitoring;

/// <summary>
/// When a master that stopped answering is paged for: a kill pages in under a second, a freeze of up to
/// 1.5 s never pages, a longer one does. The scenarios replay the monitor's schedule (a poll every second,
/// one more at once while a master is suspect or when the commit watch loses the master, probes capped at 0.8 s) on a fake clock, at many phases of
/// the fault against the poll ticks.
/// </summary>
public sealed class MasterLossRuleTests
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromMilliseconds(800);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private enum Fault { Freeze, Kill }

    /// <summary>Runs the monitor's schedule for 6 s around a fault starting at 2 s + <paramref name="phase"/>;
    /// returns when the rule first confirmed the loss (relative to the fault's start), or null.</summary>
    private static TimeSpan? Replay(Fault fault, TimeSpan duration, TimeSpan phase)
    {
        var time = new FakeTimeProvider(ClusterBuilder.Now);
        var start = time.GetUtcNow();
        var faultAt = start + TimeSpan.FromSeconds(2) + phase;
        var faultEnds = faultAt + duration;
        var rule = new MasterLossRule();
        var nextTick = start;
        var suspect = false;
        var watchAsked = false;
        while (time.GetUtcNow() - start < TimeSpan.FromSeconds(8))
        {
            // The next poll: the schedule's tick, or at once (spacing 100 ms) while the master is suspect.
            var now = time.GetUtcNow();
            // The commit watch's connection breaks at a kill (50 ms) or its sample times out on a freeze (250 ms + 50 ms): it asks for a poll.
            var watchAsks = faultAt + (fault == Fault.Kill ? TimeSpan.FromMilliseconds(50) : TimeSpan.FromMilliseconds(300));
            var due = !watchAsked && watchAsks < nextTick ? watchAsks : nextTick;
            if (due == watchAsks) watchAsked = true;
            var at = suspect ? now : (due > now ? due : now);
            time.Advance(at - now);
            var probeStart = time.GetUtcNow();
            var cluster = new ClusterBuilder { TakenAt = probeStart };
            TimeSpan elapsed;
            if (fault == Fault.Kill && probeStart >= faultAt)
            {
                cluster.MasterKilled();
                elapsed = TimeSpan.FromMilliseconds(1);
            }
            else if (fault == Fault.Freeze && probeStart >= faultAt && probeStart < faultEnds)
            {
                // A frozen master answers once it thaws, if that is within the probe's timeout.
                var thawIn = faultEnds - probeStart;
                if (thawIn >= ProbeTimeout)
                {
                    cluster.Pair().MasterStatus = ProbeStatus.Timeout;
                    cluster.Pair().MasterError = "no answer within 0.8 s while querying";
                    elapsed = ProbeTimeout;
                }
                else elapsed = thawIn;
            }
            else elapsed = TimeSpan.FromMilliseconds(5);

            var snapshot = cluster.Snapshot();
            snapshot = snapshot with { Pairs = [snapshot.Pairs[0] with { Master = snapshot.Pairs[0].Master with { Elapsed = elapsed } }] };
            time.Advance(elapsed);
            var verdict = rule.Observe(snapshot)["datanode1"];
            if (verdict == MasterLossVerdict.Confirmed) return time.GetUtcNow() - faultAt;
            suspect = verdict == MasterLossVerdict.Suspect;
            if (suspect && time.GetUtcNow() - probeStart < MonitorSpacing) time.Advance(MonitorSpacing - (time.GetUtcNow() - probeStart));
            while (nextTick <= time.GetUtcNow()) nextTick += Interval;
        }
        return null;
    }

    private static readonly TimeSpan MonitorSpacing = TimeSpan.FromMilliseconds(100);

    public static TheoryData<int> Phases() => [.. Enumerable.Range(0, 20).Select(i => i * 50)];

    [Theory]
    [MemberData(nameof(Phases))]
    public void A_master_frozen_for_1_2_s_never_pages(int phaseMs)
    {
        Assert.Null(Replay(Fault.Freeze, TimeSpan.FromSeconds(1.2), TimeSpan.FromMilliseconds(phaseMs)));
    }

    [Theory]
    [MemberData(nameof(Phases))]
    public void A_master_frozen_for_1_5_s_never_pages(int phaseMs)
    {
        Assert.Null(Replay(Fault.Freeze, TimeSpan.FromSeconds(1.5), TimeSpan.FromMilliseconds(phaseMs)));
    }

    [Theory]
    [MemberData(nameof(Phases))]
    public void A_master_frozen_for_2_5_s_pages_before_it_thaws(int phaseMs)
    {
        var paged = Replay(Fault.Freeze, TimeSpan.FromSeconds(2.5), TimeSpan.FromMilliseconds(phaseMs));
        Assert.NotNull(paged);
        Assert.InRange(paged.Value, MasterLossRule.MinimumOutage, TimeSpan.FromSeconds(2.5));
    }

    [Theory]
    [MemberData(nameof(Phases))]
    public void A_killed_master_pages_within_a_second_at_any_phase(int phaseMs)
    {
        var paged = Replay(Fault.Kill, TimeSpan.MaxValue / 4, TimeSpan.FromMilliseconds(phaseMs));
        Assert.NotNull(paged);
        Assert.True(paged.Value <= TimeSpan.FromSeconds(1), $"paged {paged.Value.TotalMilliseconds:0} ms after the kill");
    }

    [Fact]
    public void One_refusal_is_only_suspect_and_an_answer_forgets_the_outage()
    {
        var rule = new MasterLossRule();
        var killed = new ClusterBuilder().MasterKilled();
        Assert.Equal(MasterLossVerdict.Suspect, rule.Observe(killed.Snapshot())["datanode1"]);
        Assert.Equal(MasterLossVerdict.Answering, rule.Observe(new ClusterBuilder { TakenAt = ClusterBuilder.Now.AddMilliseconds(300) }.Snapshot())["datanode1"]);
        Assert.Null(rule.OutageOf("datanode1"));
        // Starting over: one more refusal is again only suspect.
        Assert.Equal(MasterLossVerdict.Suspect, rule.Observe(new ClusterBuilder { TakenAt = ClusterBuilder.Now.AddMilliseconds(600) }.MasterKilled().Snapshot())["datanode1"]);
    }

    [Fact]
    public void Timeouts_while_the_slave_says_it_lost_its_master_count_as_gone()
    {
        var rule = new MasterLossRule();
        ClusterBuilder Timeout(int ms)
        {
            var c = new ClusterBuilder { TakenAt = ClusterBuilder.Now.AddMilliseconds(ms) }.MasterKilled();
            c.Pair().MasterStatus = ProbeStatus.Timeout;
            return c;
        }
        Assert.Equal(MasterLossVerdict.Suspect, rule.Observe(Timeout(0).Snapshot())["datanode1"]);
        Assert.Equal(MasterLossVerdict.Confirmed, rule.Observe(Timeout(250).Snapshot())["datanode1"]);
    }

    [Fact]
    public void A_password_the_bot_cannot_read_says_nothing_about_the_master()
    {
        var rule = new MasterLossRule();
        var c = new ClusterBuilder();
        c.Pair().MasterStatus = ProbeStatus.NotAttempted;
        Assert.Equal(MasterLossVerdict.Answering, rule.Observe(c.Snapshot())["datanode1"]);
    }
}
