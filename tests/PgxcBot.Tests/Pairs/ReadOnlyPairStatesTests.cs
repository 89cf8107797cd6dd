using PgxcBot.Tests.Assessment;

namespace PgxcBot.Tests.Pairs;

/// <summary>A read-only command's pair states (<c>pgxcbot status</c>, <c>timeline</c>): its own observation moves the
/// machines in its memory, the store is left as it was.</summary>
public sealed class ReadOnlyPairStatesTests
{
    private static ClusterAssessment Showing(ObservedCondition condition) => new(
        new ClusterSnapshot(ClusterBuilder.Now, TimeSpan.Zero, [], []),
        [new PairAssessment("datanode1", condition, Severity.Ok, null, false, [])],
        [], []);

    private readonly FakeTimeProvider _time = new(ClusterBuilder.Now);
    private readonly MemoryPairStateStore _stored = new();

    [Fact]
    public async Task What_a_status_observes_moves_its_own_view_and_writes_nothing_to_the_store()
    {
        _stored.States["datanode1"] = PairState.Sync;
        var earlier = new PairTransition("datanode1", ClusterBuilder.Now.AddHours(-1), PairState.Async, PairState.Sync, PairTrigger.ObservedSync, "back in sync");
        _stored.Transitions.Add(earlier);
        var states = new ReadOnlyPairStates(_stored);
        using var tracker = new PairStateTracker(states, _time);

        // Reconciled at start, then observed: both as the one-shot status does them.
        var reconciled = Assert.Single(await tracker.ReconcileAsync(Showing(ObservedCondition.SlaveLost), CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(1));
        var recovered = Assert.Single(await tracker.ObserveAsync(Showing(ObservedCondition.Async), CancellationToken.None));

        Assert.Equal(PairState.DegradedSlaveLost, reconciled.To);
        Assert.Equal(PairState.Async, await states.GetStateAsync("datanode1", CancellationToken.None));
        Assert.Equal(PairState.Async, (await states.GetStatesAsync(CancellationToken.None))["datanode1"]);
        Assert.Equal([recovered, reconciled, earlier], await states.GetHistoryAsync("datanode1", 10, CancellationToken.None));
        Assert.Equal([recovered], await states.GetHistoryAsync("datanode1", 1, CancellationToken.None));
        // The store as it was: a serving bot beside starts its next poll from it.
        Assert.Equal(PairState.Sync, _stored.States["datanode1"]);
        Assert.Equal([earlier], _stored.Transitions);
    }

    [Fact]
    public async Task A_pair_this_process_has_not_moved_reads_as_stored()
    {
        _stored.States["datanode2"] = PairState.Promoted;
        var states = new ReadOnlyPairStates(_stored);

        Assert.Equal(PairState.Promoted, await states.GetStateAsync("datanode2", CancellationToken.None));
        Assert.Null(await states.GetStateAsync("datanode3", CancellationToken.None));
        Assert.Equal(new Dictionary<string, PairState> { ["datanode2"] = PairState.Promoted }, await states.GetStatesAsync(CancellationToken.None));
    }
}
