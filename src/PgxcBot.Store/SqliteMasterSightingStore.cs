using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PgxcBot.Core.Assessment;

namespace PgxcBot.Store;

/// <summary>The last sighting of each pair's master, one row per datanode, replaced whole at each save.</summary>
public sealed class SqliteMasterSightingStore(SqliteStore store) : IMasterSightingStore
{
    public async Task SaveAsync(string datanode, MasterSighting sighting, CancellationToken cancellationToken) =>
        await SaveAllAsync([(datanode, sighting)], cancellationToken).ConfigureAwait(false);

    /// <summary>Saves several in one transaction (one poll's worth).</summary>
    public async Task SaveAllAsync(IReadOnlyList<(string Datanode, MasterSighting Sighting)> sightings, CancellationToken cancellationToken)
    {
        if (sightings.Count == 0) return;
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (datanode, sighting) in sightings)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = """
                INSERT INTO master_sighting (datanode, seen_at, document) VALUES ($datanode, $at, $document)
                ON CONFLICT (datanode) DO UPDATE SET seen_at = excluded.seen_at, document = excluded.document;
                """;
            command.Parameters.AddWithValue("$datanode", datanode);
            command.Parameters.AddWithValue("$at", sighting.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$document", JsonSerializer.Serialize(sighting, RunbookJson.Info<MasterSighting>()));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<MasterSighting?> GetAsync(string datanode, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT document FROM master_sighting WHERE datanode = $datanode;";
        command.Parameters.AddWithValue("$datanode", datanode);
        var document = (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return document is null ? null : JsonSerializer.Deserialize(document, RunbookJson.Info<MasterSighting>());
    }

    /// <summary>Every stored sighting by datanode.</summary>
    public async Task<IReadOnlyDictionary<string, MasterSighting>> GetAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT datanode, document FROM master_sighting ORDER BY datanode;";
        var result = new Dictionary<string, MasterSighting>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            result[reader.GetString(0)] = JsonSerializer.Deserialize(reader.GetString(1), RunbookJson.Info<MasterSighting>())!;
        return result;
    }
}
