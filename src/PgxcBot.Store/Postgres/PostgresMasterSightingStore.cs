using System.Text.Json;
using PgxcBot.Core.Assessment;

namespace PgxcBot.Store.Postgres;

/// <summary>The last sighting of each pair's master in the PostgreSQL store (migration 5), one row per datanode.</summary>
public sealed class PostgresMasterSightingStore(PostgresStore store) : IMasterSightingStore
{
    /// <inheritdoc />
    public Task SaveAsync(string datanode, MasterSighting sighting, CancellationToken cancellationToken) => SaveAllAsync([(datanode, sighting)], cancellationToken);

    /// <inheritdoc />
    public async Task SaveAllAsync(IReadOnlyList<(string Datanode, MasterSighting Sighting)> sightings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sightings);
        if (sightings.Count == 0) return;
        await store.WriteAsync("the masters' sightings", async (c, tx) =>
        {
            foreach (var (datanode, sighting) in sightings)
                await PostgresStore.Execute(c, tx, """
                    INSERT INTO master_sighting (datanode, seen_at, document) VALUES (@d, @at, @doc)
                    ON CONFLICT (datanode) DO UPDATE SET seen_at = excluded.seen_at, document = excluded.document;
                    """, cancellationToken, ("d", datanode), ("at", StoreText.Time(sighting.At.ToUniversalTime())),
                    ("doc", JsonSerializer.Serialize(sighting, RunbookJson.Info<MasterSighting>()))).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<MasterSighting?> GetAsync(string datanode, CancellationToken cancellationToken) =>
        (await store.ReadAsync($"the sighting of {datanode}'s master", c => PostgresStore.Query(c, null, "SELECT document FROM master_sighting WHERE datanode = @d;",
            r => JsonSerializer.Deserialize(r.GetString(0), RunbookJson.Info<MasterSighting>()), cancellationToken, ("d", datanode)), cancellationToken)
            .ConfigureAwait(false)).FirstOrDefault();

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, MasterSighting>> GetAllAsync(CancellationToken cancellationToken) =>
        (await store.ReadAsync("the masters' sightings", c => PostgresStore.Query(c, null, "SELECT datanode, document FROM master_sighting ORDER BY datanode;",
            r => (r.GetString(0), JsonSerializer.Deserialize(r.GetString(1), RunbookJson.Info<MasterSighting>())!), cancellationToken), cancellationToken)
            .ConfigureAwait(false)).ToDictionary(p => p.Item1, p => p.Item2, StringComparer.Ordinal);
}
