using PgxcBot.Tests.Assessment;
using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Monitoring;

public class ReplicationAutopilotTests
{
    private readonly FakeTimeProvider _time = new(ClusterBuilder.Now);
    private const long LagLimit = 16L * 1024 * 1024;

    private AsyncSwitchDecision Decide(AsyncSwitchAutopilot autopilot, ClusterAssessment assessment) =>
        autopilot.Decide(assessment, AlertRules.From(assessment), LagLimit);

    [Fact]
    public void Blocked_commits_switch_to_async_at_the_first_poll_and_the_story_is_told()
    {
        var autopilot = new AsyncSwitchAutopilot(AlertSettings.Default, _time);
        var healthy = new ClusterBuilder { TakenAt = ClusterBuilder.Now.AddSeconds(-1) }.Assess();
        Assert.Empty(Decide(autopilot, healthy).Intents);

        var builder = new ClusterBuilder().SlaveKilled();
        // Two commits wait, the oldest for 0.8 s: the blocked time counts from it.
        builder.Pair().Master = builder.Pair().Master with { SyncRepWaiters = 2, OldestSyncRepWait = TimeSpan.FromMilliseconds(800) };
        var lost = builder.Assess();
        var decision = Decide(autopilot, lost);
        Assert.Equal(new AsyncSwitchIntent("datanode1", "async"), Assert.Single(decision.Intents));
        Assert.True(autopilot.IsSwitchingToAsync("datanode1"));
        Assert.Empty(Decide(autopilot, lost).Intents); // never twice

        _time.Advance(TimeSpan.FromMilliseconds(400));
        var slaveLost = AlertRules.From(lost).Single(c => c.Kind == AlertKinds.SlaveLost);
        var done = autopilot.Completed(new AsyncSwitchIntent("datanode1", "async"),
            new MonitorOperationOutcome(true, 7, "done", ClusterBuilder.Now.AddMilliseconds(300)), slaveLost);
        var told = Assert.Single(done.Announcements).Message;
        var text = PlainTextRenderer.Render(told);
        Assert.Contains("Slave unresponsive since: 02:59:59.0 UTC", text); // the last poll that saw it streaming
        Assert.Contains("Commits released: 03:00:00.3 UTC", text);
        Assert.Contains("from 02:59:59.2 UTC (the first waiting commit)", text);
        Assert.Contains("Blocked for: 1.1 s", text); // from the first waiting commit, not from the loss
        Assert.Contains("(operation 7)", text);
        Assert.Equal(AsyncSwitchPhase.SwitchedToAsync, Assert.Single(done.Changed).Phase);
    }

    [Theory]
    [InlineData(false)] // the poll after the switch no longer shows the slave lost, and the incident was not raised yet
    [InlineData(true)]  // a later poll shows it lost with less evidence
    public void The_switch_is_told_with_the_evidence_of_the_poll_that_decided_it(bool laterSighting)
    {
        var autopilot = new AsyncSwitchAutopilot(AlertSettings.Default, _time);
        var builder = new ClusterBuilder();
        // The decision: the master lists the slave streaming, its last reply 31 s ago, a commit waits.
        builder.Pair().Row = builder.Pair().Row with { ReplyTime = ClusterBuilder.Now.AddSeconds(-31) };
        builder.Pair().Master = builder.Pair().Master with { SyncRepWaiters = 1, OldestSyncRepWait = TimeSpan.FromMilliseconds(500) };
        var frozen = builder.Assess();
        var decidedOn = AlertRules.From(frozen).Single(c => c.Kind == AlertKinds.SlaveLost);
        Assert.Contains(decidedOn.Sentences, l => l.Contains("looks frozen", StringComparison.Ordinal));
        Assert.Single(Decide(autopilot, frozen).Intents);

        var later = laterSighting ? AlertRules.From(new ClusterBuilder().SlaveKilled().Assess()).Single(c => c.Kind == AlertKinds.SlaveLost) : null;
        var done = autopilot.Completed(new AsyncSwitchIntent("datanode1", "async"),
            new MonitorOperationOutcome(true, 4, "done", ClusterBuilder.Now.AddMilliseconds(200)), later);
        var told = Assert.Single(done.Announcements).Message;
        Assert.Contains(told.Lines, l => l.Contains("looks frozen", StringComparison.Ordinal));
        Assert.Contains("switched to async", told.Title);
    }

    [Fact]
    public void A_frozen_slave_nobody_writes_to_is_told_as_unresponsive_with_no_commit_waiting()
    {
        var autopilot = new AsyncSwitchAutopilot(AlertSettings.Default, _time);
        var builder = new ClusterBuilder();
        // Its last reply 31 s ago and nothing to confirm since: no commit waits.
        builder.Pair().Row = builder.Pair().Row with { ReplyTime = ClusterBuilder.Now.AddSeconds(-31) };
        var frozen = builder.Assess();
        var blocked = frozen.Pairs[0].Problems.Single(p => p.Code == ProblemCodes.CommitsBlocked);
        Assert.StartsWith("Commits on datanode1 will block", blocked.Sentence);
        Assert.Contains("the next commit will wait (none waits now)", blocked.Sentence);

        Assert.Single(Decide(autopilot, frozen).Intents);
        var slaveLost = AlertRules.From(frozen).Single(c => c.Kind == AlertKinds.SlaveLost);
        var done = autopilot.Completed(new AsyncSwitchIntent("datanode1", "async"),
            new MonitorOperationOutcome(true, 3, "done", ClusterBuilder.Now.AddMilliseconds(200)), slaveLost);
        var text = PlainTextRenderer.Render(Assert.Single(done.Announcements).Message);
        Assert.Contains("slave unresponsive, switched to async (no commit waited)", text);
        Assert.Contains("unresponsive since about 02:59:29.0 UTC", text);
        Assert.Contains("No commit was waiting for it", text);
        Assert.Contains("Commits blocked: none waited", text);
        Assert.DoesNotContain("blocked for about", text);
        Assert.Equal(TimeSpan.Zero, autopilot.Find("datanode1")!.BlockedFor);
    }

    [Fact]
    public void Sync_comes_back_once_the_slave_has_caught_up_and_only_for_pairs_the_bot_switched_to_async()
    {
        var autopilot = new AsyncSwitchAutopilot(AlertSettings.Default, _time,
            [new AsyncSwitchRecord("datanode1", AsyncSwitchPhase.SwitchedToAsync, ClusterBuilder.Now, "test", ClusterBuilder.Now, ClusterBuilder.Now, 1, null)]);
        var farBehind = new ClusterBuilder(2).Async().Async("datanode2").SlaveBehind(LagLimit * 2).Assess();
        Assert.Empty(Decide(autopilot, farBehind).Intents);

        var caughtUp = new ClusterBuilder(2).Async().Async("datanode2").Assess();
        var decision = Decide(autopilot, caughtUp);
        Assert.Equal(new AsyncSwitchIntent("datanode1", "sync"), Assert.Single(decision.Intents)); // datanode2 runs async by choice

        var done = autopilot.Completed(new AsyncSwitchIntent("datanode1", "sync"), new MonitorOperationOutcome(true, 2, "done", ClusterBuilder.Now), null);
        var note = Assert.Single(done.Notes);
        Assert.Equal((NotificationKind.Cleared, "datanode1/slave-lost"), (note.Kind, note.IncidentKey));
        Assert.Equal("datanode1: back in sync", note.Message.Title);
        Assert.Equal(["datanode1"], done.Removed);
    }

    [Fact]
    public void Policy_ask_offers_the_button_at_once_and_off_does_nothing()
    {
        var lost = new ClusterBuilder().SlaveKilled().Assess();
        var ask = new AsyncSwitchAutopilot(AlertSettings.Default with { AsyncSwitchPolicy = AutomationPolicy.Ask }, _time);
        var decision = Decide(ask, lost);
        Assert.Empty(decision.Intents);
        var offer = Assert.Single(decision.Announcements);
        Assert.Equal("/pgxc async datanode1", Assert.Single(offer.Message.Actions).Command);
        Assert.Empty(Decide(ask, lost).Announcements);

        var off = new AsyncSwitchAutopilot(AlertSettings.Default with { AsyncSwitchPolicy = AutomationPolicy.Off }, _time);
        Assert.Equal(AsyncSwitchDecision.None.Intents, Decide(off, lost).Intents);
        Assert.Empty(Decide(off, lost).Announcements);
    }

    [Fact]
    public void A_failed_switch_says_so_with_the_button_and_retries_later()
    {
        var autopilot = new AsyncSwitchAutopilot(AlertSettings.Default, _time);
        var lost = new ClusterBuilder().SlaveKilled().Assess();
        Decide(autopilot, lost);
        var failed = autopilot.Completed(new AsyncSwitchIntent("datanode1", "async"),
            new MonitorOperationOutcome(false, null, "datanode1 already has operation 4", ClusterBuilder.Now), null);
        var message = Assert.Single(failed.Announcements).Message;
        Assert.Contains("FAILED", message.Title);
        Assert.Contains(message.Lines, l => l.Contains("already has operation 4", StringComparison.Ordinal));
        Assert.Empty(Decide(autopilot, lost).Intents);
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Single(Decide(autopilot, lost).Intents);
    }
}
