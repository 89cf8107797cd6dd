using PgxcBot.Chat;
using PgxcBot.Hosting;
using static PgxcBot.Tests.Support.TestActors;

namespace PgxcBot.Tests.Monitoring.Maintenance;

/// <summary>The chat side: who may set a window, what each answer says, ack of open incidents only, and history.</summary>
public sealed class MaintenanceCommandTests : IDisposable
{
    private static readonly Actor Intern = new("ivan", "ivan", ["ops"]);
    private const string Chat = "chat";
    private const string Terminal = "console/test";
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-maint-cmd-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record Harness(ChatCommandHandler Handler, SqliteMonitorStore Incidents, SqliteMaintenanceStore Windows, SqliteOutboxStore Outbox);

    private async Task<Harness> HandlerAsync()
    {
        var store = await SqliteStore.OpenAsync(Path.Combine(_dir, "state.db"), null, default);
        // dba approves; ops may only request.
        var policy = TestApprovals.ByRoles(["dba", "ops"], ["dba"]);
        var topology = RunbookTopologies.TwoNodes() with { Approvals = policy };
        var cluster = new FakeCluster(topology);
        var operations = new MemoryOperationStore();
        var service = cluster.OperationService(topology, operations, policy, _time);
        var incidents = new SqliteMonitorStore(store, _time);
        var windows = new SqliteMaintenanceStore(store);
        var outbox = new SqliteOutboxStore(store);
        // A chat that edits messages and gets alerts (as Discord), and this process's terminal.
        var routes = new OutboxRoutes([new OutboxRoute(Chat, ProgressStyle.Message, Alerts: true), new OutboxRoute(Terminal, ProgressStyle.Lines, Alerts: true)]);
        var handler = new ChatCommandHandler(topology, new Unused(), service, operations, new MemoryPairStateStore(), NullLogger<ChatCommandHandler>.Instance,
            new MemoryRefusalLog(), _time, windows, incidents, outbox, routes);
        return new Harness(handler, incidents, windows, outbox);
    }

    private static async Task<(string Text, bool Refused)> SayAsync(ChatCommandHandler handler, string line, Actor actor, ChatOrigin? origin = null)
    {
        var parsed = handler.Parser.Parse(line);
        Assert.True(parsed.Command is not null, parsed.Error);
        var reply = await handler.AnswerAsync(parsed.Command!, actor, default, origin);
        return (PlainTextRenderer.Render(reply.Message), reply.IsRefusal);
    }

    private async Task<Incident> OpenSlaveLostAsync(SqliteMonitorStore incidents)
    {
        var now = _time.GetUtcNow();
        var candidate = new AlertCandidate("datanode1", AlertKinds.SlaveLost, Severity.Warning, "datanode1: slave lost", ["s"], "Start the slave", []);
        var incident = new Incident(candidate.Key, IncidentStatus.Open, candidate, now, now, 2, 0, now, now, null, 0, Severity.Warning);
        await incidents.SaveIncidentsAsync([incident], default);
        return incident;
    }

    [Fact]
    public async Task A_window_is_requested_by_one_person_set_by_a_second_approver_and_history_tells_who_why_and_until_when()
    {
        var h = await HandlerAsync();
        var (asked, refused) = await SayAsync(h.Handler, "/pgxc maintenance datanode1 on --for 2h --reason \"kernel update\"", Intern);
        Assert.False(refused, asked);
        Assert.Contains("Maintenance of datanode1 for 2h requested by ivan (request 1): kernel update.", asked);
        Assert.Contains("nothing changes yet", asked);
        Assert.Contains("Next: another person listed in approvals.approvers (not ivan) runs /pgxc maintenance datanode1 approve before 03:10:00.0 UTC", asked);
        Assert.Empty(await h.Windows.GetLastingMutesAsync(default));

        // The window counts from the approval, not from the request.
        _time.Advance(TimeSpan.FromMinutes(5));
        var (set, setRefused) = await SayAsync(h.Handler, "/pgxc maintenance datanode1 approve --request 1", Alice);
        Assert.False(setRefused, set);
        Assert.Contains("Maintenance of datanode1 until 2026-11-26 05:05 UTC (set by ivan, approved by alice at 2026-11-26 03:05 UTC: kernel update)", set);
        Assert.Contains("no automatic degrade, re-sync or failover for datanode1, and no pages for it", set);
        Assert.Equal("alice", Assert.Single(await h.Windows.GetLastingMutesAsync(default)).ApprovedBy);

        // A second approver is told the first one was quicker.
        var (late, lateRefused) = await SayAsync(h.Handler, "/pgxc maintenance datanode1 approve --request 1", Bob);
        Assert.True(lateRefused);
        Assert.Contains("No request for the maintenance of datanode1 awaits approval (request 1 was approved, replaced or has closed)", late);

        _time.Advance(TimeSpan.FromMinutes(25));
        var (off, offRefused) = await SayAsync(h.Handler, "/pgxc maintenance datanode1 off", Alice);
        Assert.False(offRefused, off);
        Assert.Contains("Maintenance of datanode1 ended by alice at 2026-11-26 03:30 UTC", off);
        Assert.Empty(await h.Windows.GetLastingMutesAsync(default));

        var (again, againRefused) = await SayAsync(h.Handler, "/pgxc maintenance datanode1 off", Alice);
        Assert.True(againRefused);
        Assert.Contains("There is no maintenance of datanode1 in force, so nothing was changed.", again);

        var (history, _) = await SayAsync(h.Handler, "/pgxc history datanode1", Alice);
        Assert.Contains("2026-11-26 03:05 UTC maintenance of datanode1 set by ivan, approved by alice, until 2026-11-26 05:05 UTC: kernel update; ended 2026-11-26 03:30 UTC (alice)", history);
    }

    [Fact]
    public async Task Nobody_approves_their_own_request_a_requester_cannot_approve_and_a_replaced_or_closed_request_is_refused()
    {
        var h = await HandlerAsync();
        await SayAsync(h.Handler, "/pgxc silence datanode1/lag on --for 1h --reason \"bulk load\"", Alice);
        var (self, selfRefused) = await SayAsync(h.Handler, "/pgxc silence datanode1/lag approve", Alice);
        Assert.True(selfRefused);
        Assert.Contains("self-approval is not allowed: alice requested silence of datanode1/lag (request 1); another authorised person must approve it.", self);
        var (intern, internRefused) = await SayAsync(h.Handler, "/pgxc silence datanode1/lag approve", Intern);
        Assert.True(internRefused);
        Assert.Contains("ivan may not approve", intern);

        // A newer request replaces it: the old button no longer approves anything.
        await SayAsync(h.Handler, "/pgxc silence datanode1/lag on --for 3h --reason \"bigger load\"", Intern);
        var (stale, staleRefused) = await SayAsync(h.Handler, "/pgxc silence datanode1/lag approve --request 1", Bob);
        Assert.True(staleRefused);
        Assert.Contains("This button is for request 1, but request 2 by ivan (3h: bigger load) replaced it", stale);

        // Past approvals.expiry the request closes.
        _time.Advance(TimeSpan.FromMinutes(10));
        var (closed, closedRefused) = await SayAsync(h.Handler, "/pgxc silence datanode1/lag approve --request 2", Bob);
        Assert.True(closedRefused);
        Assert.Contains("the approval window of request 2 (silence of datanode1/lag) closed at 03:10:00 UTC", closed);
        Assert.Empty(await h.Windows.GetLastingMutesAsync(default));
    }

    [Fact]
    public async Task Someone_who_may_only_request_cannot_end_a_window_but_may_ack()
    {
        var h = await HandlerAsync();
        await SayAsync(h.Handler, "/pgxc maintenance --all on --reason x", Intern);
        await SayAsync(h.Handler, "/pgxc maintenance --all approve", Alice);
        Assert.Single(await h.Windows.GetLastingMutesAsync(default));
        var (text, refused) = await SayAsync(h.Handler, "/pgxc maintenance --all off", Intern);
        Assert.True(refused);
        Assert.Contains("only someone listed in approvals.approvers may change automatic actions and pages", text);
        Assert.Single(await h.Windows.GetLastingMutesAsync(default));

        var (none, noneRefused) = await SayAsync(h.Handler, "/pgxc ack datanode1/slave-lost", Intern);
        Assert.True(noneRefused);
        Assert.Contains("incident 'datanode1/slave-lost' is not open", none);

        await OpenSlaveLostAsync(h.Incidents);
        var (ack, ackRefused) = await SayAsync(h.Handler, "/pgxc ack datanode1/slave-lost --note \"on it\"", Intern);
        Assert.False(ackRefused, ack);
        Assert.Contains("datanode1: slave lost: owned by ivan since 03:00:00.0 UTC (note: on it).", ack);
        Assert.Contains("a change to a worse state", ack);
        Assert.Equal("ivan", Assert.Single(await h.Windows.GetAcknowledgementsAsync(default)).Owner);

        var (unack, _) = await SayAsync(h.Handler, "/pgxc unack datanode1/slave-lost", Intern);
        Assert.Contains("ivan no longer owns datanode1/slave-lost", unack);
        Assert.Empty(await h.Windows.GetAcknowledgementsAsync(default));
    }

    [Fact]
    public async Task Requests_approvals_and_ends_are_announced_to_the_other_chats_through_the_outbox()
    {
        var h = await HandlerAsync();
        // Typed on the terminal: the terminal printed the answer; the chat is told.
        await SayAsync(h.Handler, "/pgxc maintenance datanode1 on --for 2h --reason \"kernel update\"", Intern);
        Assert.Empty(await h.Outbox.GetPendingAsync(Terminal, 10, default));
        var requested = Assert.Single(await h.Outbox.GetPendingAsync(Chat, 10, default));
        Assert.Equal(OutboxKind.Reply, requested.Kind);
        Assert.Equal("Requested: maintenance of datanode1", requested.Body.Title);
        Assert.Contains(requested.Body.Actions, a => a.Command == "/pgxc maintenance datanode1 approve --request 1");

        // Approved in the chat: the chat has the answer; the other targets are told.
        var fromChat = new ChatOrigin(Chat, "{}");
        await SayAsync(h.Handler, "/pgxc maintenance datanode1 approve --request 1", Alice, fromChat);
        Assert.Single(await h.Outbox.GetPendingAsync(Chat, 10, default));
        var set = Assert.Single(await h.Outbox.GetPendingAsync(Terminal, 10, default));
        Assert.Equal("Maintenance of datanode1 on", set.Body.Title);
        Assert.Equal("datanode1/maintenance", set.MessageKey);

        await SayAsync(h.Handler, "/pgxc maintenance datanode1 off", Bob);
        var ended = (await h.Outbox.GetPendingAsync(Chat, 10, default))[^1];
        Assert.Equal("Maintenance of datanode1 ended", ended.Body.Title);
        Assert.Contains("ended by bob at 2026-11-26 03:00 UTC", string.Join("\n", ended.Body.Lines));

        // A refused command announces nothing.
        var before = (await h.Outbox.GetPendingAsync(Chat, 10, default)).Count;
        await SayAsync(h.Handler, "/pgxc maintenance datanode1 approve", Bob);
        Assert.Equal(before, (await h.Outbox.GetPendingAsync(Chat, 10, default)).Count);
    }

    [Fact]
    public async Task Ack_redraws_the_posted_alert_with_its_owner_and_unack_gives_the_button_back()
    {
        var h = await HandlerAsync();
        await OpenSlaveLostAsync(h.Incidents);
        await SayAsync(h.Handler, "/pgxc ack datanode1/slave-lost --note \"rebooting node02\"", Intern);

        // Only the chat that edits messages gets the redraw; the terminal cannot edit what it printed.
        Assert.Empty(await h.Outbox.GetPendingAsync(Terminal, 10, default));
        var redraw = Assert.Single(await h.Outbox.GetPendingAsync(Chat, 10, default));
        Assert.Equal(OutboxKind.Progress, redraw.Kind);
        Assert.Equal("datanode1/slave-lost", redraw.MessageKey);
        Assert.Equal("datanode1: slave lost (owned by ivan)", redraw.Body.Title);
        Assert.Contains(redraw.Body.Fields, f => f.Name == "Owner" && f.Value == "ivan");
        Assert.StartsWith("Owned by ivan since 03:00:00.0 UTC (note: rebooting node02)", redraw.Body.Lines[0], StringComparison.Ordinal);
        Assert.Contains(redraw.Body.Actions, a => a.Command == "/pgxc unack datanode1/slave-lost");
        Assert.DoesNotContain(redraw.Body.Actions, a => a.Command == "/pgxc ack datanode1/slave-lost");

        await SayAsync(h.Handler, "/pgxc unack datanode1/slave-lost", Intern);
        var back = (await h.Outbox.GetPendingAsync(Chat, 10, default))[^1];
        Assert.Equal("datanode1: slave lost", back.Body.Title);
        Assert.Contains(back.Body.Actions, a => a.Command == "/pgxc ack datanode1/slave-lost");
    }

    private sealed class Unused : IClusterStatusSource
    {
        public Task<ClusterStatus> GetAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("not in this test");
    }
}
