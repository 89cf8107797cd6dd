using PgxcBot.Monitoring;

namespace PgxcBot.Tests.Monitoring.Maintenance;

/// <summary>The rules of windows, silences and owners, as the monitor applies them at each poll, over the real
/// SQLite store and a fake clock: muted incidents, what still pages, expiry with its message, owner reminders,
/// and a restart that keeps all of it.</summary>
public sealed class MaintenanceRulesTests : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero));
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-maint-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<SqliteMaintenanceStore> StoreAsync() =>
        new(await SqliteStore.OpenAsync(Path.Combine(_dir, "state.db"), null, default));

    private static AlertCandidate Candidate(string kind, Severity severity, string subject = "datanode1") =>
        new(subject, kind, severity, $"{subject}: {kind}", [$"{subject} has {kind}."], $"/pgxc status {subject}", []);

    private Mute Window(string subject = "datanode1", string? kind = null, TimeSpan? length = null) =>
        new(0, subject, kind, "alice", "kernel update", _time.GetUtcNow(), _time.GetUtcNow() + (length ?? TimeSpan.FromHours(2)));

    /// <summary>One monitor poll: refresh from the store, evaluate, gate.</summary>
    private async Task<IReadOnlyList<Notification>> PollAsync(MaintenanceGate gate, IncidentEngine engine, params AlertCandidate[] seen)
    {
        _time.Advance(Poll);
        var expired = await gate.RefreshAsync(default);
        engine.Owners = gate.Current.OwnerOf;
        return gate.Gate(engine.Evaluate(seen), engine, expired).Notifications;
    }

    [Fact]
    public async Task A_pair_in_maintenance_is_muted_recorded_and_its_end_says_what_is_still_open_and_pages()
    {
        var store = await StoreAsync();
        var gate = new MaintenanceGate(_time, NullLogger<MaintenanceGate>.Instance, store);
        var engine = new IncidentEngine(AlertSettings.Default, _time);
        await store.SetMuteAsync(Window(length: TimeSpan.FromMinutes(10)), default);

        var masterLost = Candidate(AlertKinds.MasterLost, Severity.Critical);
        var otherPair = Candidate(AlertKinds.SlaveLost, Severity.Warning, "datanode2");
        for (var i = 0; i < 5; i++)
        {
            var sent = await PollAsync(gate, engine, masterLost, otherPair);
            Assert.DoesNotContain(sent, n => n.IncidentKey.StartsWith("datanode1/", StringComparison.Ordinal));
        }
        // Recorded (open, stored by the engine) and shown as muted; the other pair still alerted.
        Assert.Equal(IncidentStatus.Open, engine.Find("datanode1/master-lost")!.Status);
        var status = string.Join("\n", MaintenanceMessages.StatusLines(gate.Current, engine.Active, null));
        Assert.Contains("Maintenance of datanode1 until 2026-11-26 03:10 UTC (set by alice at 2026-11-26 03:00 UTC: kernel update)", status);
        Assert.Contains("muted: datanode1/master-lost", status);
        Assert.DoesNotContain("datanode2", status);

        _time.Advance(TimeSpan.FromMinutes(10));
        var ended = Assert.Single(await PollAsync(gate, engine, masterLost, otherPair), n => n.IncidentKey == "datanode1/maintenance");
        Assert.True(ended.MentionOnCall, "a critical incident still open at the end of the window pages");
        var text = PlainTextRenderer.Render(ended.Message);
        Assert.Contains("Maintenance of datanode1 ended by itself at 2026-11-26 03:10 UTC", text);
        Assert.Contains("datanode1/master-lost", text);
        Assert.Contains("automatic degrade, re-sync and failover and pages are back on", text);
        Assert.Null(gate.Current.MaintenanceOf("datanode1"));
        // Expired once: the next poll does not announce it again.
        Assert.DoesNotContain(await PollAsync(gate, engine, masterLost, otherPair), n => n.IncidentKey == "datanode1/maintenance");
    }

    [Fact]
    public async Task Split_brain_pages_at_once_and_blocked_commits_page_once_after_five_minutes_in_maintenance()
    {
        var store = await StoreAsync();
        var gate = new MaintenanceGate(_time, NullLogger<MaintenanceGate>.Instance, store);
        var engine = new IncidentEngine(AlertSettings.Default, _time);
        await store.SetMuteAsync(Window(Mute.EveryDatanode), default);

        var blocked = Candidate(AlertKinds.CommitsBlocked, Severity.Critical);
        var split = Candidate(AlertKinds.SplitBrain, Severity.Critical, "datanode2");
        var early = new List<Notification>();
        for (var i = 0; i < 3; i++) early.AddRange(await PollAsync(gate, engine, blocked, split));
        Assert.Contains(early, n => n.IncidentKey == "datanode2/split-brain" && n.Kind == NotificationKind.Raised && n.MentionOnCall);
        Assert.DoesNotContain(early, n => n.IncidentKey == "datanode1/commits-blocked");

        _time.Advance(MaintenanceRules.BlockedCommitsPageAfter);
        var page = Assert.Single(await PollAsync(gate, engine, blocked, split), n => n.IncidentKey == "datanode1/commits-blocked");
        Assert.True(page.MentionOnCall);
        Assert.Contains("planned work may hold them, and the bot does not switch a pair in maintenance to async by itself", PlainTextRenderer.Render(page.Message));
        for (var i = 0; i < 5; i++)
            Assert.DoesNotContain(await PollAsync(gate, engine, blocked, split), n => n.IncidentKey == "datanode1/commits-blocked");
    }

    [Fact]
    public async Task A_silence_mutes_one_kind_of_one_pair_and_leaves_automatic_actions_alone()
    {
        var store = await StoreAsync();
        var gate = new MaintenanceGate(_time, NullLogger<MaintenanceGate>.Instance, store);
        var engine = new IncidentEngine(AlertSettings.Default, _time);
        await store.SetMuteAsync(Window(kind: AlertKinds.Lag), default);
        var sent = new List<Notification>();
        for (var i = 0; i < 3; i++)
            sent.AddRange(await PollAsync(gate, engine, Candidate(AlertKinds.Lag, Severity.Warning), Candidate(AlertKinds.SlaveLost, Severity.Warning)));
        Assert.DoesNotContain(sent, n => n.IncidentKey == "datanode1/lag");
        Assert.Contains(sent, n => n.IncidentKey == "datanode1/slave-lost" && n.Kind == NotificationKind.Raised);
        Assert.Null(gate.Current.MaintenanceOf("datanode1"));
        Assert.NotNull(gate.Current.MuteOf("datanode1/lag"));
    }

    [Fact]
    public async Task An_owned_incident_reminds_with_its_owner_and_no_page_while_a_worse_kind_still_pages()
    {
        var store = await StoreAsync();
        var gate = new MaintenanceGate(_time, NullLogger<MaintenanceGate>.Instance, store);
        var engine = new IncidentEngine(AlertSettings.Default, _time);
        var slaveLost = Candidate(AlertKinds.SlaveLost, Severity.Warning);
        await PollAsync(gate, engine, slaveLost);
        Assert.Contains(await PollAsync(gate, engine, slaveLost), n => n.Kind == NotificationKind.Raised);
        await store.SaveAcknowledgementAsync(new Acknowledgement("datanode1/slave-lost", "bob", "restarting the slave", _time.GetUtcNow()), default);

        _time.Advance(AlertSettings.Default.Reminder);
        var reminder = Assert.Single(await PollAsync(gate, engine, slaveLost));
        Assert.False(reminder.MentionOnCall);
        Assert.StartsWith("Still going, owned by bob:", reminder.Message.Title);
        Assert.Contains("(note: restarting the slave)", PlainTextRenderer.Render(reminder.Message));

        // Worse on the same incident: pages, and names the owner.
        var worse = Assert.Single(await PollAsync(gate, engine, Candidate(AlertKinds.SlaveLost, Severity.Critical)));
        Assert.True(worse.MentionOnCall);
        Assert.Contains("It is owned by bob since", PlainTextRenderer.Render(worse.Message));

        // The slave-lost becomes a master-lost: another incident, nobody's yet, so it pages.
        var masterLost = Candidate(AlertKinds.MasterLost, Severity.Critical);
        await PollAsync(gate, engine, masterLost);
        var raised = Assert.Single(await PollAsync(gate, engine, masterLost), n => n.IncidentKey == "datanode1/master-lost");
        Assert.True(raised.MentionOnCall);
        Assert.Contains(raised.Message.Actions, a => a.Command == "/pgxc ack datanode1/master-lost");

        // Once slave-lost is over, its owner is forgotten.
        for (var i = 0; i < 3; i++)
        {
            await PollAsync(gate, engine, masterLost);
            await gate.ForgetEndedOwnersAsync(engine, default);
        }
        _time.Advance(AlertSettings.Default.ReopenWindow);
        await PollAsync(gate, engine, masterLost);
        await gate.ForgetEndedOwnersAsync(engine, default);
        Assert.Empty(await store.GetAcknowledgementsAsync(default));
    }

    [Fact]
    public async Task Windows_and_owners_survive_a_restart_and_replacing_a_window_ends_the_old_one()
    {
        var store = await StoreAsync();
        var (first, none) = await store.SetMuteAsync(Window(), default);
        Assert.Null(none);
        _time.Advance(TimeSpan.FromMinutes(5));
        var (second, replaced) = await store.SetMuteAsync(Window(length: TimeSpan.FromHours(4)) with { SetBy = "bob" }, default);
        Assert.Equal(first.Id, replaced!.Id);
        await store.SaveAcknowledgementAsync(new Acknowledgement("datanode2/lag", "carol", null, _time.GetUtcNow()), default);

        var reopened = await StoreAsync(); // a new process on the same file
        var gate = new MaintenanceGate(_time, NullLogger<MaintenanceGate>.Instance, reopened);
        Assert.Empty(await gate.RefreshAsync(default));
        var window = Assert.Single(gate.Current.Mutes);
        Assert.Equal((second.Id, "bob", "kernel update"), (window.Id, window.SetBy, window.Reason));
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromHours(4), window.EndsAt);
        Assert.Equal("carol", gate.Current.OwnerOf("datanode2/lag")!.Owner);
        var history = await reopened.GetMuteHistoryAsync("datanode1", 10, default);
        Assert.Equal(["expiry", "bob"], [history[0].EndedBy ?? "expiry", history[1].EndedBy!]);
    }

    [Fact]
    public void Automation_does_not_see_a_pair_in_maintenance()
    {
        var now = DateTimeOffset.UnixEpoch;
        var state = new MaintenanceState([new Mute(1, "datanode1", null, "a", "r", now, now.AddHours(1))], []);
        var assessment = new Support.ClusterBuilder(2).Assess();
        var automated = MaintenanceRules.ForAutomation(assessment, state);
        Assert.Equal(["datanode2"], automated.Pairs.Select(p => p.Datanode));
        var silenced = new MaintenanceState([new Mute(1, "datanode1", AlertKinds.Lag, "a", "r", now, now.AddHours(1))], []);
        Assert.Same(assessment, MaintenanceRules.ForAutomation(assessment, silenced));
    }

    [Fact]
    public void What_pages_through_a_window_names_it_and_an_all_clear_or_an_unmuted_alert_is_left_as_it_is()
    {
        var mute = new Mute(1, "datanode1", null, "bob", "kernel update", new DateTimeOffset(2026, 11, 26, 2, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 11, 26, 4, 0, 0, TimeSpan.Zero)) { ApprovedBy = "alice" };
        var page = new Notification("datanode1/split-brain", NotificationKind.Raised, ChatMessage.Simple("datanode1: SPLIT BRAIN", Severity.Critical, "two masters"), true);
        var named = MaintenanceMessages.Despite(page, mute);
        Assert.Equal("This pages although maintenance of datanode1 until 2026-11-26 04:00 UTC (set by bob, approved by alice at 2026-11-26 02:00 UTC: kernel update): it cannot be part of planned work.",
            named.Message.Lines[^1]);
        Assert.True(named.MentionOnCall);
        Assert.Same(page, MaintenanceMessages.Despite(page, null));
        var cleared = page with { Kind = NotificationKind.Cleared };
        Assert.Same(cleared, MaintenanceMessages.Despite(cleared, mute));
    }
}
