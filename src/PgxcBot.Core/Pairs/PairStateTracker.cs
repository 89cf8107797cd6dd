using PgxcBot.Core.Assessment;

namespace PgxcBot.Core.Pairs;

/// <summary>
/// Keeps each pair's stored state in step with what the servers show. The store is the source of truth
/// for the state; this class decides the moves with <see cref="PairStateMachine"/> and records each one
/// with its reason. Calls are serialised, so the monitor loop and a runbook may use one instance.
/// </summary>
public sealed class PairStateTracker(IPairStateStore store, TimeProvider time) : IDisposable
{
    private readonly IPairStateStore _store = store ?? throw new ArgumentNullException(nameof(store));
    private readonly TimeProvider _time = time ?? throw new ArgumentNullException(nameof(time));
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>
    /// At start: compares each stored state with what <paramref name="assessment"/> shows. Reality wins:
    /// a stored state that the observed condition contradicts is replaced, and the replacement is
    /// recorded as a transition ("stored state was sync but the servers show the slave lost; reality
    /// wins"). A pair with no stored state gets its first state the same way. Pairs the bot cannot judge
    /// (<see cref="ObservedCondition.Unknown"/>) keep what is stored. Returns the recorded transitions.
    /// </summary>
    public async Task<IReadOnlyList<PairTransition>> ReconcileAsync(ClusterAssessment assessment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        return await SerialisedAsync(async () =>
        {
            var recorded = new List<PairTransition>();
            // One read for every pair (under the lock, so nothing moves them meanwhile); each pair's write touches only it.
            var states = await _store.GetStatesAsync(cancellationToken).ConfigureAwait(false);
            foreach (var pair in assessment.Pairs)
            {
                var stored = states.TryGetValue(pair.Datanode, out var s) ? s : (PairState?)null;
                if (await ReconcileOneAsync(pair, stored, cancellationToken).ConfigureAwait(false) is { } t) recorded.Add(t);
            }
            return recorded;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Per assessment: fires each pair's observed trigger against its stored state and records every
    /// transition. A pair never stored before is reconciled instead. Returns the recorded transitions
    /// (empty when nothing changed).
    /// </summary>
    public async Task<IReadOnlyList<PairTransition>> ObserveAsync(ClusterAssessment assessment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        return await SerialisedAsync(async () =>
        {
            var recorded = new List<PairTransition>();
            IReadOnlyDictionary<string, PairState>? states = null;
            foreach (var pair in assessment.Pairs)
            {
                if (PairTransitions.TriggerFor(pair.Condition) is not { } trigger) continue;
                // One read for every pair at every poll, not one per pair (see IPairStateStore.GetStatesAsync).
                states ??= await _store.GetStatesAsync(cancellationToken).ConfigureAwait(false);
                var stored = states.TryGetValue(pair.Datanode, out var s) ? s : (PairState?)null;
                PairTransition? transition;
                if (stored is null)
                    transition = await ReconcileOneAsync(pair, stored, cancellationToken).ConfigureAwait(false);
                else
                {
                    var machine = PairStateMachine.Create(pair.Datanode, stored.Value, PairGuardFacts.From(pair), _time);
                    transition = machine.WhyNot(trigger) is null ? machine.Fire(trigger) : null;
                    if (transition is not null) await _store.RecordTransitionAsync(transition, cancellationToken).ConfigureAwait(false);
                }
                if (transition is not null) recorded.Add(transition);
            }
            return recorded;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// For runbooks: fires an operation trigger (SyncEnabled, AsyncEnabled, PromoteCompleted,
    /// SlaveRebuilt) with the facts the runbook verified, and records the transition. Returns null when
    /// the trigger changes nothing; throws <see cref="PairTransitionNotPermittedException"/> with the
    /// "why not" when it is not permitted, and <see cref="InvalidOperationException"/> when the pair has
    /// no stored state yet (reconcile first).
    /// </summary>
    public async Task<PairTransition?> FireAsync(string datanode, PairTrigger trigger, PairGuardFacts facts, CancellationToken cancellationToken)
    {
        return await SerialisedAsync(async () =>
        {
            var machine = await LoadAsync(datanode, facts, cancellationToken).ConfigureAwait(false);
            var transition = machine.Fire(trigger);
            if (transition is not null) await _store.RecordTransitionAsync(transition, cancellationToken).ConfigureAwait(false);
            return transition;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Fires <paramref name="trigger"/> when it is permitted for the pair now and records the transition;
    /// otherwise changes nothing. One load and one decision under the lock, so nothing can move the pair
    /// between "may it?" and "do it". Null when nothing changed or the pair has no stored state yet.
    /// </summary>
    public async Task<PairTransition?> TryFireAsync(string datanode, PairTrigger trigger, PairGuardFacts facts, CancellationToken cancellationToken) =>
        await SerialisedAsync(async () =>
        {
            if (await _store.GetStateAsync(datanode, cancellationToken).ConfigureAwait(false) is null) return null;
            var machine = await LoadAsync(datanode, facts, cancellationToken).ConfigureAwait(false);
            if (machine.WhyNot(trigger) is not null) return null;
            var transition = machine.Fire(trigger);
            if (transition is not null) await _store.RecordTransitionAsync(transition, cancellationToken).ConfigureAwait(false);
            return transition;
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>Null when <paramref name="trigger"/> is permitted for the pair now, else why not.</summary>
    public async Task<string?> WhyNotAsync(string datanode, PairTrigger trigger, PairGuardFacts facts, CancellationToken cancellationToken)
    {
        return await SerialisedAsync(async () =>
        {
            var machine = await LoadAsync(datanode, facts, cancellationToken).ConfigureAwait(false);
            return machine.WhyNot(trigger);
        }, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _gate.Dispose();

    // One decision at a time: the monitor's poll and an operation's end must not interleave their moves.
    private async Task<T> SerialisedAsync<T>(Func<Task<T>> decide, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await decide().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<PairStateMachine> LoadAsync(string datanode, PairGuardFacts facts, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(datanode);
        var stored = await _store.GetStateAsync(datanode, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Datanode '{datanode}' has no stored state yet: the bot records it at its first observation of the pair.");
        return PairStateMachine.Create(datanode, stored, facts, _time);
    }

    private async Task<PairTransition?> ReconcileOneAsync(PairAssessment pair, PairState? stored, CancellationToken cancellationToken)
    {
        if (PairTransitions.TriggerFor(pair.Condition) is not { } trigger || PairTransitions.StateFor(pair.Condition) is not { } real)
            return null;
        var seen = PairTransitions.Describe(pair.Condition);
        PairTransition transition;
        if (stored is null)
        {
            transition = new PairTransition(pair.Datanode, _time.GetUtcNow(), real, real, trigger,
                $"No stored state for {pair.Datanode}; the servers show {seen}, so it starts as {PairTransitions.Describe(real)}");
        }
        else
        {
            // Consistent when the table expects this observation here and it changes nothing.
            var consistent = stored == real || PairTransitions.Find(stored.Value, trigger) is { To: null };
            if (consistent) return null;
            transition = new PairTransition(pair.Datanode, _time.GetUtcNow(), stored.Value, real, trigger,
                $"Stored state was {PairTransitions.Describe(stored.Value)} but the servers show {seen}; reality wins");
        }
        await _store.RecordTransitionAsync(transition, cancellationToken).ConfigureAwait(false);
        return transition;
    }
}
