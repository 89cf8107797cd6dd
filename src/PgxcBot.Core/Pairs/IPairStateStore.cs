namespace PgxcBot.Core.Pairs;

/// <summary>
/// Persistence for pair states. Narrow on purpose, so that a PostgreSQL-backed store can replace SQLite
/// for a highly available bot.
/// </summary>
public interface IPairStateStore
{
    /// <summary>The last stored state of a pair, or null when it was never stored.</summary>
    Task<PairState?> GetStateAsync(string datanode, CancellationToken cancellationToken);

    /// <summary>Every stored pair's state by datanode name (ordinal), in one read: the monitor needs them all at every
    /// poll, and one read per pair was 16 store transactions a second for 16 pairs (perf of the idle bot).</summary>
    Task<IReadOnlyDictionary<string, PairState>> GetStatesAsync(CancellationToken cancellationToken);

    /// <summary>Stores the transition and the new state atomically.</summary>
    Task RecordTransitionAsync(PairTransition transition, CancellationToken cancellationToken);

    /// <summary>Newest first.</summary>
    Task<IReadOnlyList<PairTransition>> GetHistoryAsync(string datanode, int limit, CancellationToken cancellationToken);
}
