using System.Data.Common;
using PgxcBot.Core.Pairs;

namespace PgxcBot.Store;

/// <summary>
/// Pair states and their transition history in a store's <c>pair_state</c> and <c>pair_transition</c> tables, the same
/// on SQLite and PostgreSQL: the <see cref="IPairStateStore"/> of <see cref="SqliteStore"/> and <see cref="Postgres.PostgresStore"/>.
/// </summary>
internal static class PairStateTable
{
    /// <summary>The columns <see cref="ReadTransition"/> reads, in its order.</summary>
    public const string TransitionColumns = "datanode, at, from_state, to_state, trigger_name, reason";

    public static async Task<PairState?> GetStateAsync(IStoreDatabase db, string datanode, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(datanode);
        var rows = await db.ReadAsync($"the state of {datanode}", c => StoreSql.Query(c, null, "SELECT state FROM pair_state WHERE datanode = @d;",
            r => r.GetString(0), cancellationToken, ("d", datanode)), cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : StoreText.ParseEnum<PairState>(rows[0], "pair_state.state", datanode);
    }

    public static async Task<IReadOnlyDictionary<string, PairState>> GetStatesAsync(IStoreDatabase db, CancellationToken cancellationToken)
    {
        var rows = await db.ReadAsync("the pair states", c => StoreSql.Query(c, null, "SELECT datanode, state FROM pair_state;",
            r => (Datanode: r.GetString(0), State: r.GetString(1)), cancellationToken), cancellationToken).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Datanode, r => StoreText.ParseEnum<PairState>(r.State, "pair_state.state", r.Datanode), StringComparer.Ordinal);
    }

    public static async Task RecordTransitionAsync(IStoreDatabase db, PairTransition transition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transition);
        ArgumentException.ThrowIfNullOrWhiteSpace(transition.Datanode);
        var at = StoreText.Time(transition.At);
        await db.WriteAsync($"the state change of {transition.Datanode}", async (c, tx) =>
        {
            await StoreSql.Execute(c, tx, """
                INSERT INTO pair_state (datanode, state, updated_at) VALUES (@d, @state, @at)
                ON CONFLICT (datanode) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at;
                """, cancellationToken, ("d", transition.Datanode), ("state", transition.To.ToString()), ("at", at)).ConfigureAwait(false);
            return await StoreSql.Execute(c, tx, """
                INSERT INTO pair_transition (datanode, at, at_ms, from_state, to_state, trigger_name, reason)
                VALUES (@d, @at, @ms, @from, @to, @trigger, @reason);
                """, cancellationToken, ("d", transition.Datanode), ("at", at), ("ms", transition.At.ToUnixTimeMilliseconds()),
                ("from", transition.From.ToString()), ("to", transition.To.ToString()), ("trigger", transition.Trigger.ToString()), ("reason", transition.Reason)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public static Task<IReadOnlyList<PairTransition>> GetHistoryAsync(IStoreDatabase db, string datanode, int limit, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(datanode);
        if (limit <= 0) throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must be at least 1.");
        return db.ReadAsync($"the history of {datanode}", c => StoreSql.Query(c, null,
            $"SELECT {TransitionColumns} FROM pair_transition WHERE datanode = @d ORDER BY at_ms DESC, id DESC LIMIT @limit;", ReadTransition,
            cancellationToken, ("d", datanode), ("limit", limit)), cancellationToken);
    }

    /// <summary>One row of <see cref="TransitionColumns"/>; an unknown state or trigger throws <see cref="InvalidDataException"/>.</summary>
    public static PairTransition ReadTransition(DbDataReader reader)
    {
        var datanode = reader.GetString(0);
        return new PairTransition(datanode, StoreText.ParseTime(reader.GetString(1)),
            StoreText.ParseEnum<PairState>(reader.GetString(2), "pair_transition.from_state", datanode),
            StoreText.ParseEnum<PairState>(reader.GetString(3), "pair_transition.to_state", datanode),
            StoreText.ParseEnum<PairTrigger>(reader.GetString(4), "pair_transition.trigger_name", datanode),
            reader.GetString(5));
    }
}
