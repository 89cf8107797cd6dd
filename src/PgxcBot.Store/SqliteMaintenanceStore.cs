using System.Globalization;
using Microsoft.Data.Sqlite;
using PgxcBot.Core.Monitoring;

namespace PgxcBot.Store;

/// <summary>Maintenance windows, silences and incident owners in the bot's SQLite file (migration 8), and the
/// requests for windows awaiting a second person's approval (migration 9).
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

    /// <summary>Migration 9: a window is requested by one person and set when a second one approves it.</summary>
    public const string RequestSchema = """
        CREATE TABLE monitor_mute_request (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            subject         TEXT NOT NULL,
            -- NULL: a maintenance window; else one alert kind (a silence).
            kind            TEXT,
            requested_by_id TEXT NOT NULL,
            requested_by    TEXT NOT NULL,
            reason          TEXT NOT NULL,
            duration_ms     INTEGER NOT NULL,
            requested_ms    INTEGER NOT NULL,
            expires_ms      INTEGER NOT NULL,
            -- awaiting, approved, replaced (by a newer request of the same subject and kind)
            state           TEXT NOT NULL,
            decided_by      TEXT,
            decided_ms      INTEGER,
            mute_id         INTEGER REFERENCES monitor_mute (id)
        ) STRICT;

        CREATE INDEX monitor_mute_request_awaiting ON monitor_mute_request (subject, kind) WHERE state = 'awaiting';

        ALTER TABLE monitor_mute ADD COLUMN approved_by TEXT;
        """;

    private const string Columns = "id, subject, kind, set_by, reason, started_ms, ends_ms, ended_ms, ended_by, approved_by";

    private const string RequestColumns = "id, subject, kind, requested_by_id, requested_by, reason, duration_ms, requested_ms, expires_ms, state, decided_by";

    public Task<(MuteRequest Stored, MuteRequest? Replaced)> RequestMuteAsync(MuteRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return store.WriteAsync($"the request for the {request.Name}", async connection =>
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var replace = connection.CreateCommand();
            replace.Transaction = tx;
            replace.CommandText = $"UPDATE monitor_mute_request SET state = 'replaced' WHERE state = 'awaiting' AND subject = $subject AND kind IS $kind RETURNING {RequestColumns};";
            replace.Parameters.AddWithValue("$subject", request.Subject);
            replace.Parameters.AddWithValue("$kind", (object?)request.Kind ?? DBNull.Value);
            var replaced = await ReadRequestsAsync(replace, cancellationToken).ConfigureAwait(false);
            await using var insert = connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = """
                INSERT INTO monitor_mute_request (subject, kind, requested_by_id, requested_by, reason, duration_ms, requested_ms, expires_ms, state)
                VALUES ($subject, $kind, $by_id, $by, $reason, $duration, $requested, $expires, 'awaiting') RETURNING id;
                """;
            insert.Parameters.AddWithValue("$subject", request.Subject);
            insert.Parameters.AddWithValue("$kind", (object?)request.Kind ?? DBNull.Value);
            insert.Parameters.AddWithValue("$by_id", request.RequestedById);
            insert.Parameters.AddWithValue("$by", request.RequestedBy);
            insert.Parameters.AddWithValue("$reason", request.Reason);
            insert.Parameters.AddWithValue("$duration", (long)request.For.TotalMilliseconds);
            insert.Parameters.AddWithValue("$requested", request.RequestedAt.ToUnixTimeMilliseconds());
            insert.Parameters.AddWithValue("$expires", request.ExpiresAt.ToUnixTimeMilliseconds());
            var id = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return (request with { Id = id, State = MuteRequest.Awaiting }, replaced.Count == 0 ? null : replaced[^1]);
        }, cancellationToken);
    }

    public Task<MuteRequest?> GetAwaitingRequestAsync(string subject, string? kind, CancellationToken cancellationToken) =>
        store.ReadAsync("the requests for maintenance windows", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {RequestColumns} FROM monitor_mute_request WHERE state = 'awaiting' AND subject = $subject AND kind IS $kind ORDER BY id DESC LIMIT 1;";
            command.Parameters.AddWithValue("$subject", subject);
            command.Parameters.AddWithValue("$kind", (object?)kind ?? DBNull.Value);
            var found = await ReadRequestsAsync(command, cancellationToken).ConfigureAwait(false);
            return found.Count == 0 ? null : found[0];
        }, cancellationToken);

    public Task<MuteApproval> ApproveMuteAsync(long requestId, string approvedBy, DateTimeOffset at, CancellationToken cancellationToken) =>
        store.WriteAsync($"the approval of request {requestId}", async connection =>
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // The compare-and-set: only a request still awaiting and not expired is approved, by exactly one caller.
            await using var claim = connection.CreateCommand();
            claim.Transaction = tx;
            claim.CommandText = $"""
                UPDATE monitor_mute_request SET state = 'approved', decided_by = $by, decided_ms = $at
                WHERE id = $id AND state = 'awaiting' AND expires_ms > $at RETURNING {RequestColumns};
                """;
            claim.Parameters.AddWithValue("$id", requestId);
            claim.Parameters.AddWithValue("$by", approvedBy);
            claim.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            var claimed = await ReadRequestsAsync(claim, cancellationToken).ConfigureAwait(false);
            if (claimed.Count == 0)
            {
                await using var read = connection.CreateCommand();
                read.Transaction = tx;
                read.CommandText = $"SELECT {RequestColumns} FROM monitor_mute_request WHERE id = $id;";
                read.Parameters.AddWithValue("$id", requestId);
                var current = await ReadRequestsAsync(read, cancellationToken).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new MuteApproval(null, null, current.Count == 0 ? null : current[0]);
            }
            var request = claimed[0];
            var mute = request.ToMute(approvedBy, at);
            var replaced = await EndAsync(connection, tx, mute.Subject, mute.Kind, approvedBy, at, cancellationToken).ConfigureAwait(false);
            var id = await InsertAsync(connection, tx, mute, cancellationToken).ConfigureAwait(false);
            await using var link = connection.CreateCommand();
            link.Transaction = tx;
            link.CommandText = "UPDATE monitor_mute_request SET mute_id = $mute WHERE id = $id;";
            link.Parameters.AddWithValue("$mute", id);
            link.Parameters.AddWithValue("$id", requestId);
            await link.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new MuteApproval(mute with { Id = id }, replaced, request);
        }, cancellationToken);


    public Task<(Mute Stored, Mute? Replaced)> SetMuteAsync(Mute mute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mute);
        return store.WriteAsync($"the {mute.Name}", async connection =>
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var replaced = await EndAsync(connection, tx, mute.Subject, mute.Kind, mute.SetBy, mute.StartedAt, cancellationToken).ConfigureAwait(false);
            var id = await InsertAsync(connection, tx, mute, cancellationToken).ConfigureAwait(false);
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

    private static async Task<long> InsertAsync(SqliteConnection connection, SqliteTransaction tx, Mute mute, CancellationToken cancellationToken)
    {
        await using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = """
            INSERT INTO monitor_mute (subject, kind, set_by, reason, started_ms, ends_ms, approved_by) VALUES ($subject, $kind, $by, $reason, $started, $ends, $approved)
            RETURNING id;
            """;
        insert.Parameters.AddWithValue("$subject", mute.Subject);
        insert.Parameters.AddWithValue("$kind", (object?)mute.Kind ?? DBNull.Value);
        insert.Parameters.AddWithValue("$by", mute.SetBy);
        insert.Parameters.AddWithValue("$reason", mute.Reason);
        insert.Parameters.AddWithValue("$started", mute.StartedAt.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$ends", mute.EndsAt.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$approved", (object?)mute.ApprovedBy ?? DBNull.Value);
        return Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

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
                ApprovedBy = reader.IsDBNull(9) ? null : reader.GetString(9),
            });
        return result;
    }

    private static async Task<IReadOnlyList<MuteRequest>> ReadRequestsAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var result = new List<MuteRequest>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            result.Add(new MuteRequest(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), TimeSpan.FromMilliseconds(reader.GetInt64(6)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)))
            {
                State = reader.GetString(9),
                DecidedBy = reader.IsDBNull(10) ? null : reader.GetString(10),
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
