using PgxcBot.Core.Advice;
using PgxcBot.Tests.Assessment;
using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Advice;

/// <summary>
/// The suppression rule: what an operation in progress (or a completed stop) explains is shown as part of it,
/// never paged; an incident open before it is neither reminded, cleared nor called flapping meanwhile, and gets
/// exactly one all-clear afterwards.
/// </summary>
public class SuppressionTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new(ClusterBuilder.Now);

    private static OperationNote Running(long id, string kind) =>
        new(id, kind, OperationState.Running, ClusterBuilder.Now, "step 5 of 8: Repoint coord1 at the new master", "n", "asked by alice, approved by bob");

    private static Dictionary<string, PairStanding> With(PairStanding standing) => new() { [standing.Datanode] = standing };

    private List<Notification> Poll1(IncidentEngine engine, ClusterAssessment advised)
    {
        _time.Advance(Poll);
        return engine.Evaluate(AlertRules.From(advised), AlertRules.Held(advised)).Notifications.ToList();
    }

    /// <summary>The moment of a promote when the topology already names the new master (node02) and coord2
    /// still routes to the old one.</summary>
    private static (ClusterBuilder Builder, ClusterTopology Topology) MidPromote()
    {
        var b = new ClusterBuilder();
        b.Coordinator("coord2").Nodes[0] = new PgxcNodeRow("datanode1", 'D', "127.0.0.99", 20006);
        return (b, b.Topology());
    }

    [Fact]
    public void The_bots_own_promote_pages_nobody_and_an_earlier_master_lost_incident_gets_one_all_clear()
    {
        var engine = new IncidentEngine(AlertSettings.Default, _time);
        // The master died: raised once (two polls).
        var before = new ClusterBuilder { TakenAt = ClusterBuilder.Now.AddSeconds(-2) }.Assess();
        var lost = new ClusterBuilder().MasterKilled().Assess(before);
        var topology = new ClusterBuilder().Topology();
        Assert.Empty(Poll1(engine, ClusterAdvisor.Apply(topology, lost)));
        Assert.Equal(NotificationKind.Raised, Assert.Single(Poll1(engine, ClusterAdvisor.Apply(topology, lost))).Kind);

        // The promote runs: master lost, a coordinator routing to the old master, whatever else: all part of it.
        var (mid, midTopology) = MidPromote();
        var duringStanding = With(new PairStanding("datanode1", PairState.DegradedMasterLost, Running(9, "promote"), null, null, null));
        var during = new[] { ClusterAdvisor.Apply(topology, lost, duringStanding), ClusterAdvisor.Apply(midTopology, mid.Assess(), duringStanding) };
        foreach (var advised in during)
        {
            Assert.True(AlertRules.From(advised).Count == 0, string.Join("; ", AlertRules.From(advised).Select(c => c.Key + ": " + string.Join(" ", c.Sentences))));
            Assert.All(advised.AllProblems.Where(p => p.Concerns == "datanode1"), p => Assert.Equal(9, p.ExplainedBy));
            Assert.True(advised.Worst <= Severity.Warning, "an explained problem never pages");
        }
        for (var i = 0; i < 40; i++) Assert.Empty(Poll1(engine, during[i % 2]));
        Assert.Equal(IncidentStatus.Open, engine.Find("datanode1/master-lost")!.Status);
        var shown = PlainTextRenderer.Render(StatusMessageBuilder.Build(during[1]));
        Assert.Contains("Part of operation 9 (promote datanode1, running step 5 of 8: Repoint coord1 at the new master)", shown);
        Assert.Contains("operation 9 (promote) running", shown);

        // Done: the pair has a master again; the incident clears once, and nothing comes back as "flapping".
        var after = ClusterAdvisor.Apply(topology, new ClusterBuilder().Async().SlaveKilled().Assess(),
            With(new PairStanding("datanode1", PairState.Promoted, null, null, null, null)));
        var said = new List<Notification>();
        for (var i = 0; i < 700; i++) said.AddRange(Poll1(engine, after));
        var cleared = Assert.Single(said, n => n.IncidentKey == "datanode1/master-lost");
        Assert.Equal(NotificationKind.Cleared, cleared.Kind);
        Assert.DoesNotContain(said, n => n.Message.Title.StartsWith("Back again", StringComparison.Ordinal));
        // The fenced old master is the new incident, with the right step: rebuild.
        var slaveLost = Assert.Single(said, n => n.IncidentKey == "datanode1/slave-lost");
        Assert.Contains("Next: /pgxc rebuild datanode1", PlainTextRenderer.Render(slaveLost.Message));
    }

    [Fact]
    public void A_pair_stopped_on_purpose_is_not_an_incident_and_status_says_who_stopped_it_and_how_to_start_it()
    {
        var engine = new IncidentEngine(AlertSettings.Default, _time);
        var topology = new ClusterBuilder().Topology();
        var stop = new OperationNote(3, "stop", OperationState.Succeeded, ClusterBuilder.Now.AddMinutes(-1), "3 of 3 steps done", "n", "asked by alice, approved by bob");
        var stopped = ClusterAdvisor.Apply(topology, new ClusterBuilder().SlaveKilled().MasterKilled().Assess(),
            With(new PairStanding("datanode1", PairState.Degraded, null, null, stop, null)));

        for (var i = 0; i < 100; i++) Assert.Empty(Poll1(engine, stopped));
        Assert.Empty(engine.Active);

        var message = StatusMessageBuilder.Build(stopped);
        var text = PlainTextRenderer.Render(message);
        Assert.Contains("datanode1 was stopped by operation 3 (/pgxc stop datanode1, asked by alice, approved by bob) at 02:59:00 UTC", text);
        Assert.Contains("stopped by operation 3 at 02:59:00 UTC", text);
        Assert.Contains("→ next: /pgxc start datanode1", text);
        Assert.DoesNotContain("Check that", text);
        Assert.Equal(Severity.Warning, message.Severity);
        Assert.Contains(message.Actions, a => a.Command == "/pgxc start datanode1");

        // The same pair down without the bot's stop is critical and alerts.
        var crashed = ClusterAdvisor.Apply(topology, new ClusterBuilder().SlaveKilled().MasterKilled().Assess());
        Assert.Contains(AlertRules.From(crashed), c => c.Kind == AlertKinds.NoMaster && c.Severity == Severity.Critical);
    }

    [Fact]
    public void What_an_operation_left_behind_after_it_ended_is_an_incident()
    {
        var (mid, topology) = MidPromote();
        var afterwards = ClusterAdvisor.Apply(topology, mid.Assess(), With(PairStanding.None("datanode1")));
        var route = Assert.Single(AlertRules.From(afterwards), c => c.Kind == AlertKinds.CoordinatorRoute);
        Assert.Equal("/pgxc repoint datanode1", route.NextStep);
        Assert.Empty(AlertRules.Held(afterwards));
    }

    [Fact]
    public void A_held_incident_neither_reminds_nor_clears_and_a_resolved_one_says_nothing_itself()
    {
        var engine = new IncidentEngine(AlertSettings.Default with { Reminder = TimeSpan.FromSeconds(5) }, _time);
        var lost = new AlertCandidate("datanode1", AlertKinds.SlaveLost, Severity.Warning, "datanode1: slave lost", ["gone"], "/pgxc start datanode1", []);
        _time.Advance(Poll);
        engine.Evaluate([lost]);
        _time.Advance(Poll);
        Assert.Single(engine.Evaluate([lost]).Notifications);
        var held = new HashSet<string> { lost.Key };
        for (var i = 0; i < 30; i++)
        {
            _time.Advance(Poll);
            Assert.Empty(engine.Evaluate([], held).Notifications);
        }
        var resolved = engine.Resolve(lost.Key);
        Assert.Empty(resolved.Notifications);
        Assert.Equal(IncidentStatus.Resolving, Assert.Single(resolved.Changed).Status);
        for (var i = 0; i < 700; i++)
        {
            _time.Advance(Poll);
            Assert.Empty(engine.Evaluate([]).Notifications);
        }
    }

    [Fact]
    public void One_recovery_of_a_slave_the_bot_switched_to_async_gives_one_all_clear()
    {
        var engine = new IncidentEngine(AlertSettings.Default, _time);
        var autopilot = new AsyncSwitchAutopilot(AlertSettings.Default, _time,
            [new AsyncSwitchRecord("datanode1", AsyncSwitchPhase.SwitchedToAsync, ClusterBuilder.Now, "test", ClusterBuilder.Now, ClusterBuilder.Now, 1, null)]);
        var lost = ClusterAdvisor.Apply(new ClusterBuilder().Topology(), new ClusterBuilder().Async().SlaveKilled().Assess());
        var said = new List<Notification>();
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(Poll);
            said.AddRange(engine.Evaluate(AlertRules.From(lost), autopilot.HeldKeys(lost).ToHashSet()).Notifications);
        }
        Assert.Single(said, n => n.Kind == NotificationKind.Raised);

        // The slave streams again (async) and has caught up: the bot re-enables sync; the incident waits for it.
        var back = ClusterAdvisor.Apply(new ClusterBuilder().Topology(), new ClusterBuilder().Async().Assess());
        var decision = autopilot.Decide(back, AlertRules.From(back), 16 * 1024 * 1024);
        Assert.Equal(new AsyncSwitchIntent("datanode1", "sync"), Assert.Single(decision.Intents));
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(Poll);
            said.AddRange(engine.Evaluate(AlertRules.From(back), autopilot.HeldKeys(back).ToHashSet()).Notifications);
        }
        var done = autopilot.Completed(new AsyncSwitchIntent("datanode1", "sync"), new MonitorOperationOutcome(true, 2, "done", _time.GetUtcNow()), null);
        foreach (var key in done.Resolved) Assert.Empty(engine.Resolve(key).Notifications);
        said.AddRange(done.Notes);
        var healthy = ClusterAdvisor.Apply(new ClusterBuilder().Topology(), new ClusterBuilder().Assess());
        for (var i = 0; i < 700; i++)
        {
            _time.Advance(Poll);
            said.AddRange(engine.Evaluate(AlertRules.From(healthy), autopilot.HeldKeys(healthy).ToHashSet()).Notifications);
        }
        var cleared = Assert.Single(said, n => n.Kind == NotificationKind.Cleared);
        Assert.Equal("datanode1: back in sync", cleared.Message.Title);
    }
}
