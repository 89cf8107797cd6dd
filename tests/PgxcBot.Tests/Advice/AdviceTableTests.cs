using PgxcBot.Core.Advice;
using PgxcBot.Tests.Assessment;
using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Advice;

/// <summary>
/// The advice table: every pair state (the bot's records) × evidence (what the servers show) gives one next
/// step, and status, the alert, a refusal and the final message of an operation all say exactly that step.
/// </summary>
public class AdviceTableTests
{
    private static readonly DateTimeOffset At = ClusterBuilder.Now.AddMinutes(-5);

    private static OperationNote Op(long id, string kind, OperationState state, string progress = "8 of 8 steps done") =>
        new(id, kind, state, At, progress, "abc123", "asked by alice, approved by bob");

    private static PairStanding Standing(PairState? stored = null, OperationNote? running = null, OperationNote? waiting = null,
        OperationNote? stopped = null, OperationNote? promoted = null) =>
        new("datanode1", stored, running, waiting, stopped, promoted);

    /// <summary>One row: a scenario, the standing, the expected next step (text, command, label) and the
    /// expected step for the pair's condition problem.</summary>
    public sealed record Row(string Name, Func<ClusterAssessment> Evidence, PairStanding Standing, string? Next, string? Command, string? Label,
        string? ConditionText = null, bool Explained = false, string? Then = null)
    {
        public override string ToString() => Name;
    }

    private static ClusterAssessment Healthy() => new ClusterBuilder().Assess();
    private static ClusterAssessment AsyncStreaming() => new ClusterBuilder().Async().Assess();
    private static ClusterAssessment SlaveDownAsync() => new ClusterBuilder().Async().SlaveKilled().Assess();

    private static ClusterAssessment SlaveDownCommitsWaiting()
    {
        var b = new ClusterBuilder().SlaveKilled();
        b.Pair().Master = b.Pair().Master with { SyncRepWaiters = 2, OldestSyncRepWait = TimeSpan.FromSeconds(6) };
        return b.Assess();
    }

    private static ClusterAssessment SlaveFrozen()
    {
        var b = new ClusterBuilder().Async();
        b.Pair().Row = b.Pair().Row with { ReplyTime = ClusterBuilder.Now.AddMinutes(-2) };
        b.Pair().SlaveStatus = Core.Observation.ProbeStatus.Timeout;
        return b.Assess();
    }

    private static ClusterAssessment MasterLost(bool sync)
    {
        var before = sync ? new ClusterBuilder() : new ClusterBuilder().Async();
        before.TakenAt = ClusterBuilder.Now.AddSeconds(-2);
        var seen = before.Assess();
        var lost = (sync ? new ClusterBuilder() : new ClusterBuilder().Async()).MasterKilled();
        return lost.Assess(seen);
    }

    private static ClusterAssessment MasterNeverSeen() => new ClusterBuilder().MasterKilled().Assess();

    private static ClusterAssessment BothDown()
    {
        var b = new ClusterBuilder().SlaveKilled().MasterKilled();
        return b.Assess();
    }

    private static ClusterAssessment AsyncMisrouted()
    {
        var b = new ClusterBuilder().Async();
        b.Coordinator("coord1").Nodes[0] = new Core.Observation.PgxcNodeRow("datanode1", 'D', "node02", 20010);
        return b.Assess();
    }

    private static ClusterAssessment PasswordUnset()
    {
        var b = new ClusterBuilder();
        b.Pair().MasterStatus = b.Pair().SlaveStatus = Core.Observation.ProbeStatus.NotAttempted;
        b.Pair().MasterError = b.Pair().SlaveError = "cannot authenticate: environment variable PGXCBOT_DB_PASSWORD is unset (or empty); set it in the bot's environment.";
        return b.Assess();
    }

    private static ClusterAssessment SlaveUnderAnotherName()
    {
        var b = new ClusterBuilder();
        b.Pair().Row = b.Pair().Row with { ApplicationName = "dn1_replica", SyncState = "async" };
        return b.Assess();
    }

    private static ClusterAssessment SecondClientNamedLikeTheSlave()
    {
        var b = new ClusterBuilder();
        var slave = b.Pair().Row;
        b.Pair().Master = b.Pair().Master with
        {
            Replication = [slave with { ClientAddress = "10.9.9.9", Pid = 1, ClientPort = 40001 }, slave with { SyncState = "potential", Pid = 2, ClientPort = 40002 }],
        };
        return b.Assess();
    }

    private static ClusterAssessment GtmDown()
    {
        var b = new ClusterBuilder();
        b.Pair().MasterStatus = Core.Observation.ProbeStatus.GtmUnavailable;
        b.Pair().MasterError = "08006: GTM error, could not obtain snapshot XID = 0";
        foreach (var coordinator in b.Coordinators.Values) coordinator.Status = Core.Observation.ProbeStatus.GtmUnavailable;
        var topology = b.Topology() with { Gtm = new Core.Topology.GtmSettings(new Core.Topology.GtmServer("gtm", "node01", "127.0.0.11", 20001), "/home/postgresxc/pgxc/gtm", []) };
        return ClusterAssessor.Assess(topology, b.Snapshot() with
        {
            Gtm = [new Core.Observation.GtmObservation("gtm", "127.0.0.11:20001", false, Core.Gtm.GtmCallStatus.Unreachable, "connection refused", TimeSpan.FromMilliseconds(1), ClusterBuilder.Now)],
        });
    }

    private static ClusterAssessment XlSlaveSendsFeedback()
    {
        var b = new ClusterBuilder();
        b.Pair().Row = b.Pair().Row with { BackendXmin = 563 };
        return b.Assess();
    }

    private static ClusterAssessment InactiveSlotOnHealthyPair()
    {
        var b = new ClusterBuilder();
        var slot = new Core.Observation.ReplicationSlotFacts("old", "physical", false, new Core.Observation.Lsn(ClusterBuilder.Head.Value - (16UL << 20)), null, null);
        b.Pair().Master = b.Pair().Master with { Wal = new Core.Observation.WalFacts(16L << 20, 64L << 20, 1L << 30, null, "000000010000000000000040", "off", [slot], null) };
        return b.Assess();
    }

    private const string SlotFix = "If nothing will use slot 'old' again, drop it on node01:20006: SELECT pg_drop_replication_slot('old'); (its consumer could then not resume from it)";

    private const string MismatchFix = "On node02, set primary_conninfo = 'host=127.0.0.11 port=20006 user=postgresxc application_name=datanode1_slave' in /home/postgresxc/pgxc/datanode1_slave/recovery.conf, then restart the slave (pg_ctl restart -Z datanode -m fast -D /home/postgresxc/pgxc/datanode1_slave); then /pgxc sync datanode1";

    public static TheoryData<Row> Table() =>
    [
        new("sync, nothing recorded", Healthy, Standing(PairState.Sync), null, null, null),
        new("async streaming", AsyncStreaming, Standing(PairState.Async), "/pgxc sync datanode1", "/pgxc sync datanode1", "Sync"),
        new("slave down, never promoted", SlaveDownAsync, Standing(PairState.DegradedSlaveLost), "/pgxc start datanode1", "/pgxc start datanode1", "Start"),
        new("slave down after a promote (stored Promoted)", SlaveDownAsync, Standing(PairState.Promoted), "/pgxc rebuild datanode1", "/pgxc rebuild datanode1", "Rebuild"),
        new("slave down right after the promote finished", SlaveDownAsync, Standing(PairState.Sync, promoted: Op(4, "promote", OperationState.Succeeded)),
            "/pgxc rebuild datanode1", "/pgxc rebuild datanode1", "Rebuild"),
        new("slave down, commits waiting", SlaveDownCommitsWaiting, Standing(PairState.Sync), "/pgxc async datanode1", "/pgxc async datanode1", "Switch to async",
            ConditionText: "/pgxc start datanode1"),
        new("slave frozen", SlaveFrozen, Standing(PairState.Async), "Check node02 (load, disk, network), then /pgxc status", null, null),
        new("master lost, slave was in sync", () => MasterLost(sync: true), Standing(PairState.DegradedMasterLost),
            "/pgxc promote datanode1", "/pgxc promote datanode1", "Promote"),
        new("master lost, slave was async", () => MasterLost(sync: false), Standing(PairState.DegradedMasterLost),
            "bring node01:20006 back if at all possible; to accept the loss: /pgxc promote datanode1 --accept-data-loss",
            "/pgxc promote datanode1 --accept-data-loss", "Promote (accept data loss)"),
        new("master lost, never seen", MasterNeverSeen, Standing(),
            "check node01 first; if the master is gone for good and the loss is accepted: /pgxc promote datanode1 --accept-data-loss",
            "/pgxc promote datanode1 --accept-data-loss", "Promote (accept data loss)"),
        new("both down, nothing recorded", BothDown, Standing(PairState.Degraded), "check that node01 and node02 are up, then /pgxc start datanode1",
            "/pgxc start datanode1", "Start"),
        new("both down after /pgxc stop", BothDown, Standing(PairState.Degraded, stopped: Op(3, "stop", OperationState.Succeeded)),
            "/pgxc start datanode1", "/pgxc start datanode1", "Start", Explained: true),
        new("master lost, the promote awaits approval", () => MasterLost(sync: true), Standing(PairState.DegradedMasterLost, waiting: Op(5, "promote", OperationState.AwaitingApproval)),
            "/pgxc approve 5 (operation 5, promote datanode1, awaits approval by another authorised person; or /pgxc cancel 5)", "/pgxc approve 5 --plan abc123", "Approve 5"),
        new("async, a stop awaits approval", AsyncStreaming, Standing(PairState.Async, waiting: Op(6, "stop", OperationState.AwaitingApproval)),
            "/pgxc cancel 6 (the stop awaiting approval holds datanode1), then /pgxc sync datanode1", "/pgxc cancel 6", "Cancel 6"),
        new("commits waiting beside a promote awaiting approval: async is not held up", SlaveDownCommitsWaiting,
            Standing(PairState.Sync, waiting: Op(5, "promote", OperationState.AwaitingApproval)), "/pgxc async datanode1", "/pgxc async datanode1", "Switch to async",
            ConditionText: "/pgxc cancel 5 (the promote awaiting approval holds datanode1), then /pgxc start datanode1"),
        new("master lost during the bot's own promote", () => MasterLost(sync: true), Standing(PairState.DegradedMasterLost, running: Op(7, "promote", OperationState.Running, "step 3 of 8: Promote the slave on node02")),
            "wait for operation 7 (promote datanode1, step 3 of 8: Promote the slave on node02) to finish; /pgxc history datanode1 shows it", null, null, Explained: true),
        new("an interrupted operation holds the pair", SlaveDownAsync, Standing(PairState.DegradedSlaveLost, waiting: Op(8, "start", OperationState.Interrupted, "step 2 of 5: Start the slave on node02")),
            "/pgxc resume 8 (operation 8, start datanode1, stopped at step 2 of 5: Start the slave on node02; each remaining step checks the servers first)", "/pgxc resume 8", "Resume 8"),
        new("the bot cannot authenticate (password unset): only how to look again", PasswordUnset, Standing(PairState.Sync),
            "Make the database password available to the bot (see the message above), then /pgxc status", null, null),
        new("the slave streams under another name: fix its application_name (async first, commits wait)", SlaveUnderAnotherName, Standing(PairState.Sync),
            "/pgxc async datanode1", "/pgxc async datanode1", "Switch to async", ConditionText: MismatchFix, Then: MismatchFix),
        new("a second client named like the slave: its own problem says what to stop", SecondClientNamedLikeTheSlave, Standing(PairState.Sync),
            "Find and stop it (on node01:20006: SELECT pid, application_name, client_addr, client_port FROM pg_stat_replication), then /pgxc status datanode1", null, null),
        new("the GTM is down: start it first", GtmDown, Standing(PairState.Sync),
            "start the GTM first (see the GTM problem), then /pgxc status", null, null),
        new("an XL slave sends hot_standby_feedback on a healthy pair: never 'nothing to do'", XlSlaveSendsFeedback, Standing(PairState.Sync),
            "On node02, set hot_standby_feedback = off in /home/postgresxc/pgxc/datanode1_slave/postgresql.conf, then pg_ctl reload -D /home/postgresxc/pgxc/datanode1_slave", null, null),
        new("an inactive slot holds WAL on a healthy pair: its own fix is the next step", InactiveSlotOnHealthyPair, Standing(PairState.Sync),
            SlotFix, null, null),
        new("a coordinator routes wrongly: repoint before anything else", AsyncMisrouted, Standing(PairState.Async),
            "/pgxc repoint datanode1", "/pgxc repoint datanode1", "Repoint", ConditionText: "/pgxc sync datanode1"),
    ];

    [Theory]
    [MemberData(nameof(Table))]
    public void One_next_step_said_identically_by_status_alert_refusal_and_final_message(Row row)
    {
        var topology = new ClusterBuilder().Topology();
        var advised = ClusterAdvisor.Apply(topology, row.Evidence(), new Dictionary<string, PairStanding> { ["datanode1"] = row.Standing });
        var pair = advised.Pairs.Single(p => p.Datanode == "datanode1");
        var advice = pair.Advice!;

        // The advice itself.
        Assert.Equal(row.Next, advice.Next?.Text);
        Assert.Equal(row.Command, advice.Next?.Command);
        Assert.Equal(row.Label, advice.Next?.Label);
        if (row.Then is not null) Assert.Equal(row.Then, advice.Then?.Text);

        var condition = pair.Problems.FirstOrDefault(p => ClusterAdvisor.ConditionCodes.Contains(p.Code));
        var expectedCondition = row.ConditionText ?? row.Next;
        if (condition is not null && expectedCondition is not null && !row.Explained)
            Assert.StartsWith(expectedCondition.Split(" (")[0], condition.NextStep);

        // Status: the step under its problem, and its button.
        var status = PlainTextRenderer.Render(StatusMessageBuilder.Build(advised));
        if (row.Next is not null) Assert.Contains("→ next: " + row.Next, status);
        if (row.Command is not null && !row.Explained)
            Assert.Contains(StatusMessageBuilder.Build(advised).Actions, a => a.Command == row.Command && a.Label == row.Label);

        // The alert: the same step and button; nothing at all for what an operation explains.
        var candidates = AlertRules.From(advised).Where(c => c.Subject == "datanode1").ToArray();
        if (row.Explained)
        {
            Assert.DoesNotContain(candidates, c => c.Kind is AlertKinds.NoMaster or AlertKinds.MasterLost);
            Assert.NotEmpty(AlertRules.Held(advised));
        }
        else if (row.Next is not null && candidates.FirstOrDefault(c => c.NextStep == row.Next) is { } alert && row.Command is not null)
        {
            Assert.Equal(new ChatAction(row.Label!, row.Command, alert.Actions[0].Style), alert.Actions[0]);
        }
        if (row.Next is not null && !row.Explained && pair.Health >= Severity.Warning)
            Assert.Contains(candidates, c => c.NextStep == row.Next);

        // A refusal of something else: the pair's advice.
        var refusal = RefusalAdvice.Next("switchover", "/pgxc status", advice);
        Assert.Equal(row.Next is null ? "/pgxc status" : advice.Summary, refusal);

        // A refusal whose fix is the same request with a change keeps that fix.
        Assert.Equal("/pgxc add-slave datanode1 --move-aside", RefusalAdvice.Next("add-slave", "/pgxc add-slave datanode1 --move-aside", advice));

        // The final message of an operation that left the pair like this.
        var final = OperationAdvice.After(pair, "datanode1");
        Assert.Equal(row.Next is null ? "nothing; datanode1 is healthy, in sync" : advice.Summary, final);
        if (row.Next is not null) Assert.StartsWith(row.Next, final);
    }

    [Fact]
    public void After_a_promote_the_slave_lost_alert_says_rebuild_never_start_and_says_why()
    {
        var topology = new ClusterBuilder().Topology();
        var advised = ClusterAdvisor.Apply(topology, SlaveDownAsync(), new Dictionary<string, PairStanding> { ["datanode1"] = Standing(PairState.Promoted) });
        var alert = AlertRules.From(advised).Single(c => c.Kind == AlertKinds.SlaveLost);
        Assert.Equal("/pgxc rebuild datanode1", alert.NextStep);
        Assert.Contains(alert.Sentences, s => s.Contains("It is the old master, fenced by the promote", StringComparison.Ordinal));
        Assert.DoesNotContain(alert.Sentences, s => s.Contains("pg_ctl start", StringComparison.Ordinal));
        // Red, as everywhere else a rebuild's button shows: it overwrites the old master's data directory.
        Assert.Equal(new ChatAction("Rebuild", "/pgxc rebuild datanode1", ActionStyle.Danger), Assert.Single(alert.Actions));
    }

    [Fact]
    public void Applying_the_advice_twice_gives_the_same_words_as_once()
    {
        var topology = new ClusterBuilder().Topology();
        var standing = new Dictionary<string, PairStanding> { ["datanode1"] = Standing(PairState.Promoted) };
        var once = ClusterAdvisor.Apply(topology, SlaveDownAsync(), standing);
        var twice = ClusterAdvisor.Apply(topology, once, standing);
        Assert.Equal(once.Pairs[0].Problems, twice.Pairs[0].Problems);
        Assert.Single(twice.Pairs[0].Problems, p => p.Sentence.Contains("fenced by the promote", StringComparison.Ordinal));
    }
}
