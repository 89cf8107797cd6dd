using Npgsql;
using PgxcBot.Core.Monitoring;

namespace PgxcBot.Store.Postgres;

/// <summary>Maintenance windows, silences and incident owners in the PostgreSQL store (migration 8), times in Unix ms.</summary>
public sealed class PostgresMaintenanceStore(PostgresStore store) : IMaintenanceStore
{
    private const string Columns = "id, subject, kind, set_by, reason, started_ms, ends_ms, ended_ms, ended_by";

    /// <inheritdoc />
    public Task<(Mute Stored, Mute? Replaced)> SetMuteAsync(Mute mute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mute);
        return store.WriteAsync($"the {mute.Name}", async (c, tx) =>
        {
            var replaced = await EndAsync(c, tx, mute.Subject, mute.Kind, mute.SetBy, mute.StartedAt, cancellationToken).ConfigureAwait(false);
            var ids = await PostgresStore.Query(c, tx, """
                INSERT INTO monitor_mute (subject, kind, set_by, reason, started_ms, ends_ms) VALUES (@subject, @kind, @by, @reason, @started, @ends) RETURNING id;
                """, r => r.GetInt64(0), cancellationToken, ("subject", mute.Subject), ("kind", mute.Kind), ("by", mute.SetBy), ("reason", mute.Reason),
                ("started", mute.StartedAt.ToUnixTimeMilliseconds()), ("ends", mute.EndsAt.ToUnixTimeMilliseconds())).ConfigureAwait(false);
            return (mute with { Id = ids[0] }, replaced);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<Mute?> EndMuteAsync(string subject, string? kind, string endedBy, DateTimeOffset at, CancellationToken cancellationToken) =>
        store.WriteAsync($"the end of a mute of {subject}", (c, tx) => EndAsync(c, tx, subject, kind, endedBy, at, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Mute>> GetLastingMutesAsync(CancellationToken cancellationToken) =>
        store.ReadAsync("the maintenance windows", c => PostgresStore.Query(c, null, $"SELECT {Columns} FROM monitor_mute WHERE ended_ms IS NULL ORDER BY id;",
            ReadMute, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Mute>> ExpireMutesAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        store.WriteAsync("the expiry of maintenance windows", (c, tx) => PostgresStore.Query(c, tx,
            $"UPDATE monitor_mute SET ended_ms = ends_ms, ended_by = 'expiry' WHERE ended_ms IS NULL AND ends_ms <= @now RETURNING {Columns};", ReadMute,
            cancellationToken, ("now", now.ToUnixTimeMilliseconds())), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Mute>> GetMuteHistoryAsync(string? datanode, int limit, CancellationToken cancellationToken) =>
        store.ReadAsync("the maintenance history", c => PostgresStore.Query(c, null,
            $"SELECT {Columns} FROM monitor_mute WHERE @d::text IS NULL OR subject IN (@d::text, '*') ORDER BY id DESC LIMIT @limit;", ReadMute, cancellationToken,
            ("d", datanode), ("limit", limit)), cancellationToken);

    /// <inheritdoc />
    public Task SaveAcknowledgementAsync(Acknowledgement acknowledgement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(acknowledgement);
        return store.WriteAsync($"the owner of {acknowledgement.IncidentKey}", (c, tx) => PostgresStore.Execute(c, tx, """
            INSERT INTO incident_owner (incident_key, owner, note, at_ms) VALUES (@key, @owner, @note, @at)
            ON CONFLICT (incident_key) DO UPDATE SET owner = excluded.owner, note = excluded.note, at_ms = excluded.at_ms;
            """, cancellationToken, ("key", acknowledgement.IncidentKey), ("owner", acknowledgement.Owner), ("note", acknowledgement.Note),
            ("at", acknowledgement.At.ToUnixTimeMilliseconds())), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Acknowledgement?> RemoveAcknowledgementAsync(string incidentKey, CancellationToken cancellationToken) =>
        (await store.WriteAsync($"the owner of {incidentKey}", (c, tx) => PostgresStore.Query(c, tx,
            "DELETE FROM incident_owner WHERE incident_key = @key RETURNING incident_key, owner, note, at_ms;", ReadOwner, cancellationToken, ("key", incidentKey)),
            cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <inheritdoc />
    public Task<IReadOnlyList<Acknowledgement>> GetAcknowledgementsAsync(CancellationToken cancellationToken) =>
        store.ReadAsync("the incident owners", c => PostgresStore.Query(c, null, "SELECT incident_key, owner, note, at_ms FROM incident_owner ORDER BY incident_key;",
            ReadOwner, cancellationToken), cancellationToken);

    private static async Task<Mute?> EndAsync(NpgsqlConnection c, NpgsqlTransaction tx, string subject, string? kind, string endedBy, DateTimeOffset at,
        CancellationToken cancellationToken)
    {
        var ended = await PostgresStore.Query(c, tx,
            $"UPDATE monitor_mute SET ended_ms = @at, ended_by = @by WHERE ended_ms IS NULL AND subject = @subject AND kind IS NOT DISTINCT FROM @kind::text RETURNING {Columns};",
            ReadMute, cancellationToken, ("at", at.ToUnixTimeMilliseconds()), ("by", endedBy), ("subject", subject), ("kind", kind)).ConfigureAwait(false);
        return ended.Count == 0 ? null : ended.MaxBy(m => m.Id);
    }

    private static Mute ReadMute(NpgsqlDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetString(4),
            DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)))
        {
            EndedAt = r.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)),
            EndedBy = r.IsDBNull(8) ? null : r.GetString(8),
        };

    private static Acknowledgement ReadOwner(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)));
}
