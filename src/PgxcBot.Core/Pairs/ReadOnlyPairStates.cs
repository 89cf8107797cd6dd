using System.Collections.Concurrent;

namespace PgxcBot.Core.Pairs;

/// <summary>
/// The pair states as a read-only command sees them (<c>pgxcbot status</c>, <c>pgxcbot timeline</c>): the stored states,
/// and on top of them, in this process's memory only, what its own observation made the state machines do. Nothing is
/// written. A one-shot status beside a serving bot on the same SQLite file, falling back to observing by itself on a
/// loaded host (128 lab pairs: its probes timed out), recorded false transitions (Sync -&gt; DegradedSlaveLost) in the
/// bot's store, where the serving bot's machines start each poll and the timeline kept the false history. The shared
/// PostgreSQL store already refuses a read-only command's writes (its fence); this is the same rule for one bot's file.
/// Thread-safe.
/// </summary>
public sealed class ReadOnlyPairStates(IPairStateStore stored) : IPairStateStore
{
    private readonly ConcurrentDictionary<string, Seen> _seen = new(StringComparer.Ordinal);

    /// <inheritdoc />
    /// <remarks>The state this process's observations led to, else the stored one.</remarks>
    public async Task<PairState?> GetStateAsync(string datanode, CancellationToken cancellationToken) =>
        _seen.TryGetValue(datanode, out var mine) ? mine.Latest.To : await stored.GetStateAsync(datanode, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    /// <remarks>The stored states with this process's own on top.</remarks>
    public async Task<IReadOnlyDictionary<string, PairState>> GetStatesAsync(CancellationToken cancellationToken)
    {
        var states = new Dictionary<string, PairState>(await stored.GetStatesAsync(cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
        foreach (var (datanode, seen) in _seen) states[datanode] = seen.Latest.To;
        return states;
    }

    /// <inheritdoc />
    /// <remarks>Kept in this process's memory only; the store is not written.</remarks>
    public Task RecordTransitionAsync(PairTransition transition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transition);
        _seen.AddOrUpdate(transition.Datanode, _ => new Seen(transition, null), (_, before) => new Seen(transition, before));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>This process's transitions (newest first), then the stored history.</remarks>
    public async Task<IReadOnlyList<PairTransition>> GetHistoryAsync(string datanode, int limit, CancellationToken cancellationToken)
    {
        var mine = new List<PairTransition>();
        for (var node = _seen.GetValueOrDefault(datanode); node is not null && mine.Count < limit; node = node.Before) mine.Add(node.Latest);
        if (mine.Count >= limit) return mine;
        return [.. mine, .. await stored.GetHistoryAsync(datanode, limit - mine.Count, cancellationToken).ConfigureAwait(false)];
    }

    /// <summary>One pair's transitions in this process, newest first.</summary>
    private sealed record Seen(PairTransition Latest, Seen? Before);
}
