using Npgsql;
using PgxcBot.Core.Monitoring;

namespace PgxcBot.Store.Postgres;

/// <summary>Maintenance windows, silences and incident owners in the PostgreSQL store (migration 8), and the requests
/// for windows awaiting a second person's approval (migration 9); times in Unix ms.</summary>
public sealed class PostgresMaintenanceStore(PostgresStore store) : IMaintenanceStore
{
    /// <summary>Transaction-level advisory lock every write that replaces a lasting window or an awaiting request takes
    /// first: what SQLite's single writer gives, so two concurrent writes of one subject never leave two lasting.</summary>
    private const long MaintenanceLockKey = 0x7067786362_02;

    private const string Columns = "id, subject, kind, set_by, reason, started_ms, ends_ms, ended_ms, ended_by, approved_by";

    private const string RequestColumns = "id, subject, kind, requested_by_id, requested_by, reason, duration_ms, requested_ms, expires_ms, state, decided_by";

    /// <inheritdoc />
    public Task<(MuteRequest Stored, MuteRequest? Replaced)> RequestMuteAsync(MuteRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return store.WriteAsync($"the request for the {request.Name}", async (c, tx) =>
        {
            await LockAsync(c, tx, cancellationToken).ConfigureAwait(false);
            var replaced = await PostgresStore.Query(c, tx,
                $"UPDATE monitor_mute_request SET state = 'replaced' WHERE state = 'awaiting' AND subject = @subject AND kind IS NOT DISTINCT FROM @kind::text RETURNING {RequestColumns};",
                ReadRequest, cancellationToken, ("subject", request.Subject), ("kind", request.Kind)).ConfigureAwait(false);
            var ids = await PostgresStore.Query(c, tx, """
                INSERT INTO monitor_mute_request (subject, kind, requested_by_id, requested_by, reason, duration_ms, requested_ms, expires_ms, state)
                VALUES (@subject, @kind, @by_id, @by, @reason, @duration, @requested, @expires, 'awaiting') RETURNING id;
                """, r => r.GetInt64(0), cancellationToken, ("subject", request.Subject), ("kind", request.Kind), ("by_id", request.RequestedById),
                ("by", request.RequestedBy), ("reason", request.Reason), ("duration", (long)request.For.TotalMilliseconds),
                ("requested", request.RequestedAt.ToUnixTimeMilliseconds()), ("expires", request.ExpiresAt.ToUnixTimeMilliseconds())).ConfigureAwait(false);
            return (request with { Id = ids[0], State = MuteRequest.Awaiting }, replaced.MaxBy(r => r.Id));
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<MuteRequest?> GetAwaitingRequestAsync(string subject, string? kind, CancellationToken cancellationToken) =>
        (await store.ReadAsync("the requests for maintenance windows", c => PostgresStore.Query(c, null,
            $"SELECT {RequestColumns} FROM monitor_mute_request WHERE state = 'awaiting' AND subject = @subject AND kind IS NOT DISTINCT FROM @kind::text ORDER BY id DESC LIMIT 1;",
            ReadRequest, cancellationToken, ("subject", subject), ("kind", kind)), cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <inheritdoc />
    public Task<MuteApproval> ApproveMuteAsync(long requestId, string approvedBy, DateTimeOffset at, CancellationToken cancellationToken) =>
        store.WriteAsync($"the approval of request {requestId}", async (c, tx) =>
        {
            await LockAsync(c, tx, cancellationToken).ConfigureAwait(false);
            // The compare-and-set: only a request still awaiting and not expired is approved, by exactly one caller (a
            // second approver's transaction waits for the first one's and then finds the request no longer awaiting).
            var claimed = await PostgresStore.Query(c, tx, $"""
                UPDATE monitor_mute_request SET state = 'approved', decided_by = @by, decided_ms = @at
                WHERE id = @id AND state = 'awaiting' AND expires_ms > @at RETURNING {RequestColumns};
                """, ReadRequest, cancellationToken, ("id", requestId), ("by", approvedBy), ("at", at.ToUnixTimeMilliseconds())).ConfigureAwait(false);
            if (claimed.Count == 0)
            {
                var current = await PostgresStore.Query(c, tx, $"SELECT {RequestColumns} FROM monitor_mute_request WHERE id = @id;", ReadRequest, cancellationToken,
                    ("id", requestId)).ConfigureAwait(false);
                return new MuteApproval(null, null, current.FirstOrDefault());
            }
            var request = claimed[0];
            var mute = request.ToMute(approvedBy, at);
            var replaced = await EndAsync(c, tx, mute.Subject, mute.Kind, approvedBy, at, cancellationToken).ConfigureAwait(false);
            var id = await InsertAsync(c, tx, mute, cancellationToken).ConfigureAwait(false);
            await PostgresStore.Execute(c, tx, "UPDATE monitor_mute_request SET mute_id = @mute WHERE id = @id;", cancellationToken, ("mute", id), ("id", requestId))
                .ConfigureAwait(false);
            return new MuteApproval(mute with { Id = id }, replaced, request);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<(Mute Stored, Mute? Replaced)> SetMuteAsync(Mute mute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mute);
        return store.WriteAsync($"the {mute.Name}", async (c, tx) =>
        {
            await LockAsync(c, tx, cancellationToken).ConfigureAwait(false);
            var replaced = await EndAsync(c, tx, mute.Subject, mute.Kind, mute.SetBy, mute.StartedAt, cancellationToken).ConfigureAwait(false);
            return (mute with { Id = await InsertAsync(c, tx, mute, cancellationToken).ConfigureAwait(false) }, replaced);
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

    private static Task<int> LockAsync(NpgsqlConnection c, NpgsqlTransaction tx, CancellationToken cancellationToken) =>
        PostgresStore.Execute(c, tx, "SELECT pg_advisory_xact_lock(@key);", cancellationToken, ("key", MaintenanceLockKey));

    private static async Task<long> InsertAsync(NpgsqlConnection c, NpgsqlTransaction tx, Mute mute, CancellationToken cancellationToken)
    {
        var ids = await PostgresStore.Query(c, tx, """
            INSERT INTO monitor_mute (subject, kind, set_by, reason, started_ms, ends_ms, approved_by) VALUES (@subject, @kind, @by, @reason, @started, @ends, @approved)
            RETURNING id;
            """, r => r.GetInt64(0), cancellationToken, ("subject", mute.Subject), ("kind", mute.Kind), ("by", mute.SetBy), ("reason", mute.Reason),
            ("started", mute.StartedAt.ToUnixTimeMilliseconds()), ("ends", mute.EndsAt.ToUnixTimeMilliseconds()), ("approved", mute.ApprovedBy)).ConfigureAwait(false);
        return ids[0];
    }

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
            ApprovedBy = r.IsDBNull(9) ? null : r.GetString(9),
        };

    private static MuteRequest ReadRequest(NpgsqlDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
            TimeSpan.FromMilliseconds(r.GetInt64(6)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(8)))
        {
            State = r.GetString(9),
            DecidedBy = r.IsDBNull(10) ? null : r.GetString(10),
        };

    private static Acknowledgement ReadOwner(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)));
}
