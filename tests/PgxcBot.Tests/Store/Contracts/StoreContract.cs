using PgxcBot.Core.Assessment;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Topology;

namespace PgxcBot.StoreContracts;

/// <summary>Every store interface of one store, opened twice (as two processes or replicas would have it): what is
/// written through <see cref="StoreHandles"/> A is read through B.</summary>
public sealed record StoreHandles(IPairStateStore Pairs, IMasterSightingStore Sightings, IRefusalLog Refusals, ITopologyStore Topology, IMaintenanceStore Maintenance);

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
}
