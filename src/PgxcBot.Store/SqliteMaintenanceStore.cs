using System.Globalization;
using Microsoft.Data.Sqlite;
using PgxcBot.Core.Monitoring;

namespace PgxcBot.Store;

/// <summary>Maintenance windows, silences and incident owners in the bot's SQLite file (migration 8).
/// Times are Unix milliseconds, so "ended by now" is one indexed comparison.</summary>
public sealed class SqliteMaintenanceStore(SqliteStore store) : IMaintenanceStore
{
    /// <summary>Migration 8.</summary>
    public const string Schema = """
        CREATE TABLE monitor_mute (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            subject    TEXT NOT NULL,
            -- NULL: a maintenance window (every alert, no automatic action); else one alert kind (a silence).
            kind       TEXT,
            set_by     TEXT NOT NULL,
            reason     TEXT NOT NULL,
            started_ms INTEGER NOT NULL,
            ends_ms    INTEGER NOT NULL,
            ended_ms   INTEGER,
            ended_by   TEXT
        ) STRICT;

        CREATE INDEX monitor_mute_lasting ON monitor_mute (ends_ms) WHERE ended_ms IS NULL;
        CREATE INDEX monitor_mute_by_subject ON monitor_mute (subject, id DESC);

        CREATE TABLE incident_owner (
            incident_key TEXT PRIMARY KEY NOT NULL,
            owner        TEXT NOT NULL,
            note         TEXT,
            at_ms        INTEGER NOT NULL
        ) STRICT;
        """;

    private const string Columns = "id, subject, kind, set_by, reason, started_ms, ends_ms, ended_ms, ended_by";

    public Task<(Mute Stored, Mute? Replaced)> SetMuteAsync(Mute mute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mute);
        return store.WriteAsync($"the {mute.Name}", async connection =>
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var replaced = await EndAsync(connection, tx, mute.Subject, mute.Kind, mute.SetBy, mute.StartedAt, cancellationToken).ConfigureAwait(false);
            await using var insert = connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = """
                INSERT INTO monitor_mute (subject, kind, set_by, reason, started_ms, ends_ms) VALUES ($subject, $kind, $by, $reason, $started, $ends)
                RETURNING id;
                """;
            insert.Parameters.AddWithValue("$subject", mute.Subject);
            insert.Parameters.AddWithValue("$kind", (object?)mute.Kind ?? DBNull.Value);
            insert.Parameters.AddWithValue("$by", mute.SetBy);
            insert.Parameters.AddWithValue("$reason", mute.Reason);
            insert.Parameters.AddWithValue("$started", mute.StartedAt.ToUnixTimeMilliseconds());
            insert.Parameters.AddWithValue("$ends", mute.EndsAt.ToUnixTimeMilliseconds());
            var id = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return (mute with { Id = id }, replaced);
        }, cancellationToken);
    }

    public Task<Mute?> EndMuteAsync(string subject, string? kind, string endedBy, DateTimeOffset at, CancellationToken cancellationToken) =>
        store.WriteAsync($"the end of a mute of {subject}", async connection =>
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var ended = await EndAsync(connection, tx, subject, kind, endedBy, at, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return ended;
        }, cancellationToken);

    public Task<IReadOnlyList<Mute>> GetLastingMutesAsync(CancellationToken cancellationToken) =>
        store.ReadAsync("the maintenance windows", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM monitor_mute WHERE ended_ms IS NULL ORDER BY id;";
            return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<IReadOnlyList<Mute>> ExpireMutesAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        store.WriteAsync("the expiry of maintenance windows", async connection =>
        {
            // One statement: a row is ended (and returned) by exactly one caller, whichever process polls first.
            await using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE monitor_mute SET ended_ms = ends_ms, ended_by = 'expiry' WHERE ended_ms IS NULL AND ends_ms <= $now RETURNING {Columns};";
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<IReadOnlyList<Mute>> GetMuteHistoryAsync(string? datanode, int limit, CancellationToken cancellationToken) =>
        store.ReadAsync("the maintenance history", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM monitor_mute WHERE $datanode IS NULL OR subject IN ($datanode, '*') ORDER BY id DESC LIMIT $limit;";
            command.Parameters.AddWithValue("$datanode", (object?)datanode ?? DBNull.Value);
            command.Parameters.AddWithValue("$limit", limit);
            return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task SaveAcknowledgementAsync(Acknowledgement acknowledgement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(acknowledgement);
        return store.WriteAsync($"the owner of {acknowledgement.IncidentKey}", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO incident_owner (incident_key, owner, note, at_ms) VALUES ($key, $owner, $note, $at)
                ON CONFLICT (incident_key) DO UPDATE SET owner = excluded.owner, note = excluded.note, at_ms = excluded.at_ms;
                """;
            command.Parameters.AddWithValue("$key", acknowledgement.IncidentKey);
            command.Parameters.AddWithValue("$owner", acknowledgement.Owner);
            command.Parameters.AddWithValue("$note", (object?)acknowledgement.Note ?? DBNull.Value);
            command.Parameters.AddWithValue("$at", acknowledgement.At.ToUnixTimeMilliseconds());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task<Acknowledgement?> RemoveAcknowledgementAsync(string incidentKey, CancellationToken cancellationToken) =>
        store.WriteAsync($"the owner of {incidentKey}", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM incident_owner WHERE incident_key = $key RETURNING incident_key, owner, note, at_ms;";
            command.Parameters.AddWithValue("$key", incidentKey);
            var found = await ReadOwnersAsync(command, cancellationToken).ConfigureAwait(false);
            return found.Count == 0 ? null : found[0];
        }, cancellationToken);

    public Task<IReadOnlyList<Acknowledgement>> GetAcknowledgementsAsync(CancellationToken cancellationToken) =>
        store.ReadAsync("the incident owners", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT incident_key, owner, note, at_ms FROM incident_owner ORDER BY incident_key;";
            return await ReadOwnersAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    private static async Task<Mute?> EndAsync(SqliteConnection connection, SqliteTransaction tx, string subject, string? kind, string endedBy,
        DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"UPDATE monitor_mute SET ended_ms = $at, ended_by = $by WHERE ended_ms IS NULL AND subject = $subject AND kind IS $kind RETURNING {Columns};";
        command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$by", endedBy);
        command.Parameters.AddWithValue("$subject", subject);
        command.Parameters.AddWithValue("$kind", (object?)kind ?? DBNull.Value);
        var ended = await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        return ended.Count == 0 ? null : ended[^1];
    }

    private static async Task<IReadOnlyList<Mute>> ReadAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var result = new List<Mute>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            result.Add(new Mute(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), reader.GetString(4),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)))
            {
                EndedAt = reader.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                EndedBy = reader.IsDBNull(8) ? null : reader.GetString(8),
            });
        return result;
    }

    private static async Task<IReadOnlyList<Acknowledgement>> ReadOwnersAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var result = new List<Acknowledgement>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            result.Add(new Acknowledgement(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))));
        return result;
    }
}
