using PgxcBot.Tests.Assessment;
using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Monitoring;

public class FailoverAutopilotTests
{
    private static readonly AlertSettings On = AlertSettings.Default with { AutoFailover = true, FailoverGrace = TimeSpan.FromSeconds(30) };
    private readonly FakeTimeProvider _time = new(ClusterBuilder.Now);

    /// <summary>A pair seen healthy (sync or async), then with its master gone.</summary>
    private static (ClusterAssessment Before, ClusterAssessment Lost) Loss(bool sync)
    {
        var healthy = sync ? new ClusterBuilder() : new ClusterBuilder().Async();
        var before = healthy.Assess();
        var lost = (sync ? new ClusterBuilder() : new ClusterBuilder().Async()).MasterKilled();
        lost.TakenAt = ClusterBuilder.Now.AddSeconds(1);
        return (before, lost.Assess(before));
    }

    private static bool Open(string _) => true;

    [Fact]
    public void An_in_sync_pair_is_proposed_once_the_alert_is_raised_announced_with_cancel_and_approved_after_the_grace_period()
    {
        var pilot = new FailoverAutopilot(On, _time);
        var (_, lost) = Loss(sync: true);
        Assert.Equal(ObservedCondition.MasterLost, lost.Pairs[0].Condition);

        Assert.Equal(FailoverDecision.None.Intents, pilot.Decide(lost, _ => false).Intents); // not before the alert
        var propose = Assert.Single(pilot.Decide(lost, Open).Intents);
        Assert.Equal(new FailoverIntent(FailoverStep.Propose, "datanode1", null), propose);
        Assert.Empty(pilot.Decide(lost, Open).Intents); // proposing: once

        var announced = Assert.Single(pilot.Proposed("datanode1", 7, null, "The old master's host node01 answers SSH, so the old master can be fenced.").Notes);
        Assert.Equal("datanode1/master-lost", announced.IncidentKey);
        Assert.True(announced.MentionOnCall);
        Assert.Equal("datanode1: automatic failover in 30 s", announced.Message.Title);
        Assert.Equal(new ChatAction("Cancel", "/pgxc cancel 7", ActionStyle.Primary), Assert.Single(announced.Message.Actions));
        var text = PlainTextRenderer.Render(announced.Message);
        Assert.Contains("loses no acknowledged commit", text);
        Assert.Contains("node01 answers SSH", text);
        Assert.Contains("03:00:30.0 UTC", text);

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(pilot.Decide(lost, Open).Intents);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new FailoverIntent(FailoverStep.Approve, "datanode1", 7), Assert.Single(pilot.Decide(lost, Open).Intents));
        Assert.Empty(pilot.Decide(lost, Open).Intents);

        var done = Assert.Single(pilot.Completed("datanode1", new MonitorOperationOutcome(true, 7, "promoted; 2 coordinators repointed", _time.GetUtcNow())).Notes);
        Assert.Equal("datanode1: failed over automatically", done.Message.Title);
        Assert.Contains("/pgxc rebuild datanode1", PlainTextRenderer.Render(done.Message));
        Assert.Empty(pilot.Decide(lost, Open).Intents); // settled: never a second automatic promote for this loss
    }

    [Fact]
    public void A_master_back_during_the_grace_period_cancels_the_operation_and_says_so()
    {
        var pilot = new FailoverAutopilot(On, _time);
        var (before, lost) = Loss(sync: true);
        pilot.Decide(lost, Open);
        pilot.Proposed("datanode1", 7, null, "");
        _time.Advance(TimeSpan.FromSeconds(10));

        var back = new ClusterBuilder { TakenAt = ClusterBuilder.Now.AddSeconds(10) }.Assess(lost);
        Assert.Equal(new FailoverIntent(FailoverStep.Cancel, "datanode1", 7), Assert.Single(pilot.Decide(back, Open).Intents));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(pilot.Decide(back, Open).Intents); // never approved once cancelling

        var note = Assert.Single(pilot.Cancelled("datanode1", true, "").Notes);
        Assert.Equal("datanode1: automatic failover cancelled, the master is back", note.Message.Title);
        Assert.Contains("nothing was promoted", PlainTextRenderer.Render(note.Message));
        Assert.Null(pilot.Find("datanode1"));
        Assert.NotNull(before);
    }

    [Fact]
    public void An_async_slave_is_never_promoted_automatically_and_the_alert_offers_promote_to_a_person()
    {
        var pilot = new FailoverAutopilot(On, _time);
        var (_, lost) = Loss(sync: false);
        var decision = pilot.Decide(lost, Open);
        Assert.Empty(decision.Intents);
        var note = Assert.Single(decision.Notes);
        Assert.Equal("datanode1: no automatic failover", note.Message.Title);
        Assert.Contains("not a synchronous standby", PlainTextRenderer.Render(note.Message));
        // The promote a person can run says what it accepts: a plain Promote would be refused.
        Assert.Equal(new ChatAction("Promote (accept data loss)", "/pgxc promote datanode1 --accept-data-loss", ActionStyle.Danger), Assert.Single(note.Message.Actions));

        for (var i = 0; i < 100; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            var later = pilot.Decide(lost, Open);
            Assert.Empty(later.Intents);
            Assert.Empty(later.Notes); // said once
        }
    }

    [Fact]
    public void A_master_the_bot_never_saw_is_not_promoted_automatically()
    {
        var pilot = new FailoverAutopilot(On, _time);
        var lost = new ClusterBuilder().MasterKilled().Assess();
        var note = Assert.Single(pilot.Decide(lost, Open).Notes);
        Assert.Contains("never saw the master answer", PlainTextRenderer.Render(note.Message));
        Assert.Empty(pilot.Decide(lost, Open).Intents);
    }

    [Fact]
    public void Without_fencing_or_with_a_refused_plan_it_declines_and_a_person_decides()
    {
        var pilot = new FailoverAutopilot(On, _time);
        var (_, lost) = Loss(sync: true);
        pilot.Decide(lost, Open);
        var note = Assert.Single(pilot.Proposed("datanode1", null, "fencing is not possible: node01, the old master's host, does not answer SSH (no route)", "").Notes);
        Assert.Equal("datanode1: no automatic failover", note.Message.Title);
        Assert.Contains("fencing is not possible", PlainTextRenderer.Render(note.Message));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(pilot.Decide(lost, Open).Intents);
    }

    [Fact]
    public void A_declined_loss_is_judged_afresh_after_the_master_came_back()
    {
        var pilot = new FailoverAutopilot(On, _time);
        var (_, lost) = Loss(sync: true);
        pilot.Decide(lost, Open);
        pilot.Proposed("datanode1", null, "the plan was refused", "");
        var back = new ClusterBuilder { TakenAt = ClusterBuilder.Now.AddSeconds(5) }.Assess(lost);
        pilot.Decide(back, Open);
        Assert.Null(pilot.Find("datanode1"));
        var again = new ClusterBuilder().MasterKilled();
        again.TakenAt = ClusterBuilder.Now.AddSeconds(6);
        Assert.Equal(FailoverStep.Propose, Assert.Single(pilot.Decide(again.Assess(back), Open).Intents).Step);
    }

    [Fact]
    public void Off_by_default_it_does_nothing()
    {
        var pilot = new FailoverAutopilot(AlertSettings.Default, _time);
        var (_, lost) = Loss(sync: true);
        Assert.Same(FailoverDecision.None, pilot.Decide(lost, Open));
    }
}
