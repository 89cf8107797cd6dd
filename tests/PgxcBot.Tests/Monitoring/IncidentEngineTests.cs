namespace PgxcBot.Tests.Monitoring;

public class IncidentEngineTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero));

    private static AlertCandidate SlaveLost(Severity severity = Severity.Warning) => new("datanode1", AlertKinds.SlaveLost, severity,
        "datanode1: slave lost", ["datanode1's slave is not streaming."], "Start the slave, then /pgxc status", []);

    private static AlertCandidate MasterLost() => new("datanode1", AlertKinds.MasterLost, Severity.Critical,
        "datanode1: master lost", ["The slave was the synchronous standby: promoting it is safe."], "/pgxc promote datanode1",
        [new ChatAction("Promote", "/pgxc promote datanode1", ActionStyle.Danger)]);

    private IncidentEngine Engine(AlertSettings? settings = null, IEnumerable<Incident>? restored = null) =>
        new(settings ?? AlertSettings.Default, _time, restored);

    /// <summary>One poll a second; returns what it said.</summary>
    private List<Notification> Step(IncidentEngine engine, params AlertCandidate[] seen)
    {
        _time.Advance(Poll);
        return engine.Evaluate(seen).Notifications.ToList();
    }

    [Fact]
    public void A_problem_alerts_only_after_two_consecutive_polls_and_once()
    {
        var engine = Engine();
        Assert.Empty(Step(engine, SlaveLost()));
        var raised = Assert.Single(Step(engine, SlaveLost()));
        Assert.Equal(NotificationKind.Raised, raised.Kind);
        Assert.Equal("datanode1/slave-lost", raised.IncidentKey);
        Assert.Contains("Next: Start the slave", PlainTextRenderer.Render(raised.Message));
        for (var i = 0; i < 20; i++) Assert.Empty(Step(engine, SlaveLost()));
    }

    [Fact]
    public void A_single_poll_blip_never_alerts()
    {
        var engine = Engine();
        for (var i = 0; i < 10; i++)
        {
            Assert.Empty(Step(engine, SlaveLost()));
            Assert.Empty(Step(engine));
        }
        Assert.Empty(engine.Active);
    }

    [Fact]
    public void The_master_lost_alert_carries_the_promote_button_and_pages()
    {
        var engine = Engine();
        Step(engine, MasterLost());
        var raised = Assert.Single(Step(engine, MasterLost()));
        Assert.True(raised.MentionOnCall);
        Assert.Collection(raised.Message.Actions,
            action => Assert.Equal(("/pgxc promote datanode1", ActionStyle.Danger), (action.Command, action.Style)),
            ack => Assert.Equal("/pgxc ack datanode1/master-lost", ack.Command));
        Assert.Contains("promoting it is safe", raised.Message.Lines[0]);
    }

    [Fact]
    public void It_clears_after_two_quiet_polls_with_a_recovery_message()
    {
        var engine = Engine();
        Step(engine, SlaveLost());
        Step(engine, SlaveLost());
        Assert.Empty(Step(engine));
        var cleared = Assert.Single(Step(engine));
        Assert.Equal(NotificationKind.Cleared, cleared.Kind);
        Assert.Equal(Severity.Ok, cleared.Message.Severity);
        Assert.StartsWith("Recovered: datanode1: slave lost", cleared.Message.Title);
    }

    [Fact]
    public void Reminders_come_every_thirty_minutes_while_it_lasts()
    {
        var engine = Engine();
        Step(engine, SlaveLost());
        Step(engine, SlaveLost());
        var reminders = new List<Notification>();
        for (var i = 0; i < 65 * 60; i++) reminders.AddRange(Step(engine, SlaveLost()));
        Assert.Equal(2, reminders.Count);
        Assert.All(reminders, r => Assert.Equal(NotificationKind.Reminder, r.Kind));
        Assert.StartsWith("Still going", reminders[0].Message.Title);
    }

    [Fact]
    public void Getting_worse_is_said_at_once()
    {
        var engine = Engine();
        Step(engine, SlaveLost());
        Step(engine, SlaveLost());
        var worse = Assert.Single(Step(engine, SlaveLost(Severity.Critical)));
        Assert.Equal(NotificationKind.Reminder, worse.Kind);
        Assert.StartsWith("Worse", worse.Message.Title);
        Assert.Empty(Step(engine, SlaveLost(Severity.Critical)));
    }

    [Fact]
    public void A_slave_flapping_five_times_in_a_minute_is_one_incident()
    {
        var engine = Engine();
        var said = new List<Notification>();
        for (var flap = 0; flap < 5; flap++)
        {
            // Down for 4 s, up for 8 s: 12 s a cycle, five cycles in a minute.
            for (var i = 0; i < 4; i++) said.AddRange(Step(engine, SlaveLost()));
            for (var i = 0; i < 8; i++) said.AddRange(Step(engine));
        }
        Assert.Single(said, n => n.Kind == NotificationKind.Raised);
        Assert.Single(said, n => n.Kind == NotificationKind.Reminder && n.Message.Title.StartsWith("Back again", StringComparison.Ordinal));
        Assert.Single(said, n => n.Kind == NotificationKind.Cleared);
        Assert.All(said, n => Assert.Equal("datanode1/slave-lost", n.IncidentKey));
        Assert.Equal(4, engine.Find("datanode1/slave-lost")!.Reopens);

        // The all-clear after flapping waits for the reopen window, then says how often it came back.
        for (var i = 0; i < AlertSettings.Default.ReopenWindow.TotalSeconds - 10; i++) Assert.Empty(Step(engine));
        var settled = new List<Notification>();
        for (var i = 0; i < 20; i++) settled.AddRange(Step(engine));
        var final = Assert.Single(settled);
        Assert.Equal(NotificationKind.Cleared, final.Kind);
        Assert.Contains("came back 4 time(s)", final.Message.Lines[0]);
        Assert.Empty(engine.Active);
    }

    [Fact]
    public void A_return_after_the_reopen_window_is_a_new_incident()
    {
        var engine = Engine(AlertSettings.Default with { ReopenWindow = TimeSpan.FromMinutes(1) });
        Step(engine, SlaveLost());
        Step(engine, SlaveLost());
        Step(engine);
        Step(engine);
        for (var i = 0; i < 70; i++) Assert.Empty(Step(engine));
        Step(engine, SlaveLost());
        Assert.Equal(NotificationKind.Raised, Assert.Single(Step(engine, SlaveLost())).Kind);
    }

    [Fact]
    public void A_restarted_bot_does_not_raise_an_open_incident_again_but_still_clears_it()
    {
        var first = Engine();
        var stored = new Dictionary<string, Incident>();
        void Keep(IncidentRound round) { foreach (var i in round.Changed) stored[i.Key] = i; }
        _time.Advance(Poll);
        Keep(first.Evaluate([SlaveLost()]));
        _time.Advance(Poll);
        var round = first.Evaluate([SlaveLost()]);
        Keep(round);
        Assert.Single(round.Notifications);

        // The "restart": a new engine from what was stored, as the monitor does at start.
        var second = Engine(restored: stored.Values);
        for (var i = 0; i < 5; i++) Assert.Empty(Step(second, SlaveLost()));
        Step(second);
        Assert.Equal(NotificationKind.Cleared, Assert.Single(Step(second)).Kind);
    }

    [Fact]
    public void An_announcement_opens_at_once_and_later_sightings_do_not_raise_again()
    {
        var engine = Engine();
        _time.Advance(Poll);
        var round = engine.Announce(SlaveLost(), ChatMessage.Simple("datanode1: slave lost, switched to async", Severity.Warning));
        Assert.Equal(NotificationKind.Raised, Assert.Single(round.Notifications).Kind);
        Assert.Single(round.Changed);
        for (var i = 0; i < 5; i++) Assert.Empty(Step(engine, SlaveLost()));
    }

    [Fact]
    public void Flap_polls_of_one_alerts_at_the_first_sighting()
    {
        var engine = Engine(AlertSettings.Default with { FlapPolls = 1 });
        Assert.Equal(NotificationKind.Raised, Assert.Single(Step(engine, MasterLost())).Kind);
    }
}
