using PgxcBot.Tests.Assessment;

namespace PgxcBot.Tests.Pairs;

public class PairStateTrackerTests
{
    private static ClusterAssessment Showing(ObservedCondition condition, bool slaveInSync = false) => new(
        new ClusterSnapshot(ClusterBuilder.Now, TimeSpan.Zero, [], []),
        [new PairAssessment("datanode1", condition, Severity.Ok, null, false, []) { SlaveInSync = slaveInSync }],
        [], []);

    private readonly FakeTimeProvider _time = new(ClusterBuilder.Now);
    private readonly MemoryPairStateStore _store = new();

    [Fact]
    public async Task Reconcile_lets_reality_win_and_records_it()
    {
        _store.States["datanode1"] = PairState.Sync;
        using var tracker = new PairStateTracker(_store, _time);

        var recorded = await tracker.ReconcileAsync(Showing(ObservedCondition.SlaveLost), CancellationToken.None);

        var t = Assert.Single(recorded);
        Assert.Equal(new PairTransition("datanode1", ClusterBuilder.Now, PairState.Sync, PairState.DegradedSlaveLost,
            PairTrigger.ObservedSlaveLost, "Stored state was sync but the servers show the slave lost; reality wins"), t);
        Assert.Equal(PairState.DegradedSlaveLost, _store.States["datanode1"]);
        Assert.Equal([t], _store.Transitions);
    }

    [Fact]
    public async Task Reconcile_records_nothing_when_stored_state_agrees()
    {
        _store.States["datanode1"] = PairState.Promoted;
        using var tracker = new PairStateTracker(_store, _time);

        Assert.Empty(await tracker.ReconcileAsync(Showing(ObservedCondition.Promoted), CancellationToken.None));
        Assert.Empty(await tracker.ReconcileAsync(Showing(ObservedCondition.SlaveLost), CancellationToken.None));
        Assert.Empty(await tracker.ReconcileAsync(Showing(ObservedCondition.Unknown), CancellationToken.None));
        Assert.Empty(_store.Transitions);
    }

    [Fact]
    public async Task A_poll_of_many_pairs_reads_the_stored_states_once_and_moves_each_pair_by_its_own()
    {
        _store.States["datanode1"] = PairState.Sync;
        _store.States["datanode2"] = PairState.Sync;
        using var tracker = new PairStateTracker(_store, _time);
        var assessment = new ClusterAssessment(new ClusterSnapshot(ClusterBuilder.Now, TimeSpan.Zero, [], []),
        [
            new PairAssessment("datanode1", ObservedCondition.Sync, Severity.Ok, null, false, []) { SlaveInSync = true },
            new PairAssessment("datanode2", ObservedCondition.SlaveLost, Severity.Ok, null, false, []),
            new PairAssessment("datanode3", ObservedCondition.Async, Severity.Ok, null, false, []),
        ], [], []);

        var moved = await tracker.ObserveAsync(assessment, CancellationToken.None);

        Assert.Equal(1, _store.BatchReads);
        Assert.Equal(["datanode2", "datanode3"], moved.Select(t => t.Datanode));
        Assert.Equal(PairState.Sync, _store.States["datanode1"]);
        Assert.Equal(PairState.DegradedSlaveLost, _store.States["datanode2"]);
        Assert.Equal(PairState.Async, _store.States["datanode3"]);
    }

    [Fact]
    public async Task First_observation_of_a_pair_records_its_initial_state()
    {
        using var tracker = new PairStateTracker(_store, _time);

        var t = Assert.Single(await tracker.ObserveAsync(Showing(ObservedCondition.Async), CancellationToken.None));

        Assert.Equal(PairState.Async, t.To);
        Assert.Contains("No stored state for datanode1", t.Reason);
        Assert.Equal(PairState.Async, _store.States["datanode1"]);
    }

    [Fact]
    public async Task Observations_fire_the_table_and_repeat_quietly()
    {
        _store.States["datanode1"] = PairState.Sync;
        using var tracker = new PairStateTracker(_store, _time);

        var lost = Assert.Single(await tracker.ObserveAsync(Showing(ObservedCondition.MasterLost, slaveInSync: true), CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(1));
        var again = await tracker.ObserveAsync(Showing(ObservedCondition.MasterLost, slaveInSync: true), CancellationToken.None);

        Assert.Equal(PairState.DegradedMasterLost, lost.To);
        Assert.Equal(PairTransitions.Find(PairState.Sync, PairTrigger.ObservedMasterLost)!.Reason, lost.Reason);
        Assert.Empty(again);
        Assert.Single(_store.Transitions);
    }

    [Fact]
    public async Task Operation_triggers_are_recorded_or_refused_with_the_reason()
    {
        _store.States["datanode1"] = PairState.DegradedSlaveLost;
        using var tracker = new PairStateTracker(_store, _time);
        var slaveDown = new PairGuardFacts(SlaveStreaming: false, SlaveInSync: false, MasterWritable: true);

        Assert.Null(await tracker.FireAsync("datanode1", PairTrigger.AsyncEnabled, slaveDown, CancellationToken.None));
        var refused = await Assert.ThrowsAsync<PairTransitionNotPermittedException>(() =>
            tracker.FireAsync("datanode1", PairTrigger.SlaveRebuilt, slaveDown, CancellationToken.None));
        Assert.Contains("the slave is streaming", refused.Message);
        Assert.Equal(refused.Message, await tracker.WhyNotAsync("datanode1", PairTrigger.SlaveRebuilt, slaveDown, CancellationToken.None));

        var rebuilt = await tracker.FireAsync("datanode1", PairTrigger.SlaveRebuilt, slaveDown with { SlaveStreaming = true }, CancellationToken.None);
        Assert.Equal(PairState.Async, rebuilt!.To);
        Assert.Equal(PairState.Async, _store.States["datanode1"]);
    }

    [Fact]
    public async Task Operation_on_a_pair_never_observed_is_refused_clearly()
    {
        using var tracker = new PairStateTracker(_store, _time);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            tracker.FireAsync("datanode9", PairTrigger.SyncEnabled, PairGuardFacts.None, CancellationToken.None));
        Assert.Contains("datanode9", ex.Message);
    }

    [Fact]
    public async Task TryFire_changes_nothing_when_the_trigger_is_not_permitted_or_the_pair_is_unknown()
    {
        var tracker = new PairStateTracker(_store, _time);
        Assert.Null(await tracker.TryFireAsync("datanode1", PairTrigger.SyncEnabled, PairGuardFacts.None, CancellationToken.None));
        Assert.Empty(_store.Transitions);

        _store.States["datanode1"] = PairState.Async;
        Assert.Null(await tracker.TryFireAsync("datanode1", PairTrigger.SyncEnabled, PairGuardFacts.None, CancellationToken.None));
        Assert.Equal(PairState.Async, _store.States["datanode1"]);

        var fired = await tracker.TryFireAsync("datanode1", PairTrigger.SyncEnabled, new PairGuardFacts(true, true, true), CancellationToken.None);
        Assert.Equal(PairState.Sync, fired!.To);
        Assert.Equal(PairState.Sync, _store.States["datanode1"]);
    }
}
