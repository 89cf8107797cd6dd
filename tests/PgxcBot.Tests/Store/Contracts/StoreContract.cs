using PgxcBot.Core.Assessment;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Timeline;
using PgxcBot.Core.Topology;

namespace PgxcBot.StoreContracts;

/// <summary>Every store interface of one store, opened twice (as two processes or replicas would have it): what is
/// written through <see cref="StoreHandles"/> A is read through B.</summary>
public sealed record StoreHandles(IPairStateStore Pairs, IMasterSightingStore Sightings, IRefusalLog Refusals, ITopologyStore Topology, IMaintenanceStore Maintenance,
    IMonitorStateStore Monitor, ITimelineStore Timeline, ILagHistoryStore Lag);

/// <summary>
/// The behaviour of the bot's store, the same on SQLite (unit tests) and on PostgreSQL (integration tests; this file is
/// linked into tests/PgxcBot.IntegrationTests). A derived class opens a fresh, empty store twice.
/// </summary>
public abstract class StoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 3, 0, 0, TimeSpan.FromHours(1));

    /// <summary>Two handles on one fresh store.</summary>
    protected abstract Task<(StoreHandles A, StoreHandles B)> OpenAsync();

    private StoreHandles _a = null!, _b = null!;

    public async Task InitializeAsync() => (_a, _b) = await OpenAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Pair_transitions_are_read_newest_first_per_datanode_with_the_latest_state()
    {
        await _a.Pairs.RecordTransitionAsync(new PairTransition("datanode1", T0, PairState.Sync, PairState.Async, PairTrigger.ObservedAsync, "slave lagging"), default);
        await _a.Pairs.RecordTransitionAsync(new PairTransition("datanode1", T0.AddSeconds(5), PairState.Async, PairState.Sync, PairTrigger.ObservedSync, "caught up"), default);
        await _a.Pairs.RecordTransitionAsync(new PairTransition("datanode2", T0, PairState.Sync, PairState.Async, PairTrigger.ObservedAsync, "other"), default);

        Assert.Equal(PairState.Sync, await _b.Pairs.GetStateAsync("datanode1", default));
        Assert.Null(await _b.Pairs.GetStateAsync("datanode9", default));
        var all = await _b.Pairs.GetStatesAsync(default);
        Assert.Equal(new Dictionary<string, PairState> { ["datanode1"] = PairState.Sync, ["datanode2"] = PairState.Async }, all);
        var history = await _b.Pairs.GetHistoryAsync("datanode1", 10, default);
        Assert.Equal(["caught up", "slave lagging"], history.Select(t => t.Reason));
        Assert.Equal(T0.AddSeconds(5), history[0].At);
        Assert.Single(await _b.Pairs.GetHistoryAsync("datanode1", 1, default));
    }

    [Fact]
    public async Task A_master_sighting_round_trips_and_the_newest_replaces_the_older()
    {
        var at = new DateTimeOffset(2026, 11, 30, 3, 12, 9, 400, TimeSpan.Zero);
        var first = new MasterSighting(at, Lsn.Parse("0/3000BC8"), true, Lsn.Parse("0/3000B00")) { MasterEndpoint = "10.0.0.1:20006" };
        await _a.Sightings.SaveAsync("datanode1", first, default);
        await _a.Sightings.SaveAllAsync([("datanode1", first with { At = at.AddSeconds(1), SlaveInSync = false }), ("datanode2", first)], default);

        Assert.Equal(first with { At = at.AddSeconds(1), SlaveInSync = false }, await _b.Sightings.GetAsync("datanode1", default));
        Assert.Equal(["datanode1", "datanode2"], (await _b.Sightings.GetAllAsync(default)).Keys.Order());
        Assert.Null(await _b.Sightings.GetAsync("datanode3", default));
    }

    [Fact]
    public async Task Refusals_and_stored_roles_are_read_back_newest_first_and_filtered_by_datanode()
    {
        var alice = new Actor("alice", "alice", ["dba"]);
        await _a.Refusals.RecordAsync(new OperationRefusal(T0, alice, "promote datanode1", "datanode1", null, "slave behind", "wait"), default);
        await _a.Refusals.RecordAsync(new OperationRefusal(T0.AddSeconds(1), alice, "status", null, null, "bad flag", null), default);
        Assert.Equal(["bad flag", "slave behind"], (await _b.Refusals.GetAsync(null, 10, default)).Select(r => r.Reason));
        Assert.Equal(["slave behind"], (await _b.Refusals.GetAsync("datanode1", 10, default)).Select(r => r.Reason));

        var roles = new StoredRoles("datanode1", new ServerLocation("node02", "10.0.0.2", 20006, "/data/dn1"), null, T0, "promoted");
        await _a.Topology.SaveRolesAsync(roles, default);
        await _a.Topology.SaveRolesAsync(roles with { Reason = "promoted again" }, default);
        Assert.Equal("promoted again", Assert.Single(await _b.Topology.GetRolesAsync(default)).Reason);
    }

    [Fact]
    public async Task A_mute_replaces_the_lasting_one_of_its_subject_and_kind_and_expires_exactly_once()
    {
        var window = new Mute(0, "datanode1", null, "alice", "disk swap", T0, T0.AddHours(1));
        var (stored, replaced) = await _a.Maintenance.SetMuteAsync(window, default);
        Assert.True(stored.Id > 0);
        Assert.Null(replaced);
        var silence = (await _a.Maintenance.SetMuteAsync(window with { Kind = "slave-lag", EndsAt = T0.AddMinutes(5) }, default)).Stored;
        var (again, old) = await _b.Maintenance.SetMuteAsync(window with { Reason = "longer", EndsAt = T0.AddHours(2) }, default);
        Assert.Equal(stored.Id, old!.Id);
        Assert.Equal(2, (await _b.Maintenance.GetLastingMutesAsync(default)).Count);

        var expired = await _a.Maintenance.ExpireMutesAsync(T0.AddMinutes(10), default);
        Assert.Equal([silence.Id], expired.Select(m => m.Id));
        Assert.Empty(await _b.Maintenance.ExpireMutesAsync(T0.AddMinutes(10), default));
        Assert.Equal(again.Id, (await _b.Maintenance.EndMuteAsync("datanode1", null, "bob", T0.AddMinutes(11), default))!.Id);
        Assert.Null(await _b.Maintenance.EndMuteAsync("datanode1", null, "bob", T0.AddMinutes(12), default));
        Assert.Equal(3, (await _a.Maintenance.GetMuteHistoryAsync("datanode1", 10, default)).Count);
        Assert.Empty(await _a.Maintenance.GetMuteHistoryAsync("datanode2", 10, default));

        await _a.Maintenance.SaveAcknowledgementAsync(new Acknowledgement("datanode1/master-lost", "alice", null, T0), default);
        await _a.Maintenance.SaveAcknowledgementAsync(new Acknowledgement("datanode1/master-lost", "bob", "on it", T0.AddSeconds(1)), default);
        Assert.Equal("bob", Assert.Single(await _b.Maintenance.GetAcknowledgementsAsync(default)).Owner);
        Assert.Equal("on it", (await _b.Maintenance.RemoveAcknowledgementAsync("datanode1/master-lost", default))!.Note);
        Assert.Empty(await _a.Maintenance.GetAcknowledgementsAsync(default));
    }

    [Fact]
    public async Task A_mute_request_is_approved_once_and_every_later_approval_is_refused()
    {
        var request = new MuteRequest(0, "datanode1", null, "u-alice", "alice", "disk swap", TimeSpan.FromHours(1), T0, T0.AddMinutes(15));
        var (first, none) = await _a.Maintenance.RequestMuteAsync(request, default);
        Assert.Null(none);
        var (second, replaced) = await _b.Maintenance.RequestMuteAsync(request with { Reason = "disk swap, both disks" }, default);
        Assert.Equal(first.Id, replaced!.Id);
        Assert.Equal(second.Id, (await _a.Maintenance.GetAwaitingRequestAsync("datanode1", null, default))!.Id);
        Assert.Null(await _a.Maintenance.GetAwaitingRequestAsync("datanode1", "slave-lag", default));

        // A replaced request and an expired one are not approvable.
        Assert.Equal(MuteRequest.Replaced, (await _b.Maintenance.ApproveMuteAsync(first.Id, "bob", T0.AddMinutes(1), default)).Request!.State);
        var expiring = (await _a.Maintenance.RequestMuteAsync(request with { Subject = "datanode2" }, default)).Stored;
        var late = await _b.Maintenance.ApproveMuteAsync(expiring.Id, "bob", T0.AddMinutes(15), default);
        Assert.Null(late.Stored);
        Assert.Equal(MuteRequest.Awaiting, late.Request!.State);
        Assert.Null((await _b.Maintenance.ApproveMuteAsync(999_999, "bob", T0.AddMinutes(1), default)).Request);

        // Two approvers at once (one per handle, as two processes): exactly one sets the window.
        var approvals = await Task.WhenAll(_a.Maintenance.ApproveMuteAsync(second.Id, "bob", T0.AddMinutes(2), default),
            _b.Maintenance.ApproveMuteAsync(second.Id, "carol", T0.AddMinutes(2), default));
        var won = Assert.Single(approvals, a => a.Stored is not null);
        var lost = Assert.Single(approvals, a => a.Stored is null);
        Assert.Equal(MuteRequest.Approved, lost.Request!.State);
        Assert.Equal(won.Stored!.ApprovedBy, lost.Request.DecidedBy);
        Assert.Equal((T0.AddMinutes(2), T0.AddMinutes(62), "alice", "disk swap, both disks"), (won.Stored.StartedAt, won.Stored.EndsAt, won.Stored.SetBy, won.Stored.Reason));
        var lasting = Assert.Single(await _a.Maintenance.GetLastingMutesAsync(default));
        Assert.Equal((won.Stored.Id, won.Stored.ApprovedBy), (lasting.Id, lasting.ApprovedBy));
        Assert.Null(await _b.Maintenance.GetAwaitingRequestAsync("datanode1", null, default));
        Assert.Null((await _a.Maintenance.ApproveMuteAsync(second.Id, "dave", T0.AddMinutes(3), default)).Stored);
    }

    [Fact]
    public async Task Incident_events_are_appended_with_each_save_and_the_timeline_reads_them_in_order()
    {
        var pending = new Incident("datanode1/slave-lost", IncidentStatus.Pending,
            new AlertCandidate("datanode1", AlertKinds.SlaveLost, Severity.Critical, "datanode1: slave lost", [], "", []), T0, T0, 1, 0, null, null, null, 0, Severity.Critical);
        var raised = pending with { Status = IncidentStatus.Open, ConsecutiveSeen = 2, RaisedAt = T0.AddMinutes(1), LastNotifiedAt = T0.AddMinutes(1) };
        var reminded = raised with { LastNotifiedAt = T0.AddMinutes(31) };
        var cleared = reminded with { Status = IncidentStatus.Resolving, ClearedAt = T0.AddMinutes(40) };
        await _a.Monitor.SaveIncidentsAsync([pending], default);
        await _a.Monitor.SaveIncidentsAsync([raised], default);
        await _b.Monitor.SaveRoundAsync(new MonitorRound([reminded, pending with { Key = "datanode2/slave-lost" }], [], [], []), default);
        await _a.Monitor.SaveIncidentsAsync([reminded], default); // unchanged: nothing to append
        await _b.Monitor.SaveIncidentsAsync([cleared], default);
        await _a.Pairs.RecordTransitionAsync(new PairTransition("datanode1", T0.AddHours(-3), PairState.Sync, PairState.Async, PairTrigger.ObservedAsync, "too old"), default);
        await _a.Pairs.RecordTransitionAsync(new PairTransition("datanode1", T0.AddHours(-2), PairState.Async, PairState.Sync, PairTrigger.ObservedSync, "state at start"), default);
        await _a.Pairs.RecordTransitionAsync(new PairTransition("datanode1", T0.AddMinutes(1), PairState.Sync, PairState.Degraded, PairTrigger.ObservedAsync, "slave lost"), default);
        var alice = new Actor("alice", "alice", ["dba"]);
        await _a.Refusals.RecordAsync(new OperationRefusal(T0.AddHours(-2), alice, "promote datanode1", "datanode1", null, "before the window", null), default);
        await _a.Refusals.RecordAsync(new OperationRefusal(T0.AddMinutes(5), alice, "promote datanode1", "datanode1", null, "slave behind", null), default);
        await _a.Refusals.RecordAsync(new OperationRefusal(T0.AddMinutes(5), alice, "promote datanode2", "datanode2", null, "other pair", null), default);

        var sources = await _b.Timeline.ReadAsync("datanode1", T0.AddHours(-1), default);
        Assert.Equal([(IncidentEventKind.Raised, T0.AddMinutes(1)), (IncidentEventKind.Reminded, T0.AddMinutes(31)), (IncidentEventKind.Cleared, T0.AddMinutes(40))],
            sources.Incidents.Select(e => (e.Kind, e.At)));
        Assert.All(sources.Incidents, e => Assert.Equal(("datanode1/slave-lost", "datanode1: slave lost"), (e.Key, e.Title)));
        Assert.Equal(["state at start", "slave lost"], sources.Transitions.Select(t => t.Reason));
        Assert.Equal(["slave behind"], sources.Refusals.Select(r => r.Reason));
        Assert.Equal([IncidentEventKind.Cleared], (await _a.Timeline.ReadAsync(null, T0.AddMinutes(32), default)).Incidents.Select(e => e.Kind));
        Assert.Empty((await _a.Timeline.ReadAsync("datanode2", T0.AddHours(-1), default)).Incidents);
    }

    [Fact]
    public async Task Lag_samples_are_read_back_by_time_and_those_older_than_the_retention_are_deleted()
    {
        await _a.Lag.AppendAsync([new LagSample("datanode1", T0, 1024, 0.5), new LagSample("datanode2", T0, null, null)], T0.AddDays(-1), default);
        await _b.Lag.AppendAsync([new LagSample("datanode1", T0.AddMinutes(1), 0, 0), new LagSample("datanode1", T0, 2048, 1.5)], T0.AddDays(-1), default);
        Assert.Equal([new LagSample("datanode1", T0, 2048, 1.5), new LagSample("datanode2", T0, null, null), new LagSample("datanode1", T0.AddMinutes(1), 0, 0)],
            await _a.Lag.GetAsync(null, T0.AddHours(-1), default));
        Assert.Equal([T0.AddMinutes(1)], (await _a.Lag.GetAsync("datanode1", T0.AddSeconds(1), default)).Select(s => s.At));

        // The retention moves past the first samples: the next append deletes them.
        await _a.Lag.AppendAsync([new LagSample("datanode2", T0.AddHours(2), 10, 0.1)], T0.AddMinutes(1), default);
        Assert.Equal([("datanode1", T0.AddMinutes(1)), ("datanode2", T0.AddHours(2))],
            (await _b.Lag.GetAsync(null, T0.AddDays(-2), default)).Select(s => (s.Datanode, s.At)));
    }
}
