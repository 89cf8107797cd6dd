using System.Text.Json;
using Npgsql;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Timeline;

namespace PgxcBot.Store.Postgres;

/// <summary>
/// What the timeline and the pictures read, in the PostgreSQL store (migration 10): every incident event appended as
/// the monitor stores its incidents (<see cref="AppendIncidentEventsAsync"/>, called by <see cref="PostgresMonitorStore"/>),
/// and the monitor's lag samples, bounded by time. It also gathers the other records a timeline needs (state changes,
/// operations, refusals) from their own tables. The counterpart of <see cref="SqliteTimelineStore"/>.
/// </summary>
public sealed class PostgresTimelineStore(PostgresStore store) : ITimelineStore, ILagHistoryStore
{
    /// <summary>Appends the events between the stored version of each incident and the new one, in the caller's
    /// transaction (before the incident row is overwritten).</summary>
    internal static async Task AppendIncidentEventsAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<Incident> incidents,
        CancellationToken cancellationToken)
    {
        foreach (var incident in incidents)
        {
            // FOR UPDATE: the version the events are computed from is the one the upsert replaces.
            var stored = await PostgresStore.Query(c, tx, "SELECT document FROM alert_incident WHERE incident_key = @key FOR UPDATE;", r => r.GetString(0),
                cancellationToken, ("key", incident.Key)).ConfigureAwait(false);
            var before = stored.Count == 0 ? null : JsonSerializer.Deserialize(stored[0], RunbookJson.Info<Incident>());
            foreach (var e in IncidentHistory.Changes(before, incident))
                await PostgresStore.Execute(c, tx, "INSERT INTO incident_event (at_ms, subject, document) VALUES (@at, @subject, @doc);", cancellationToken,
                    ("at", e.At.ToUnixTimeMilliseconds()), ("subject", e.Subject), ("doc", JsonSerializer.Serialize(e, RunbookJson.Info<IncidentEvent>()))).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<TimelineSources> ReadAsync(string? datanode, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var sinceMs = since.ToUnixTimeMilliseconds();
        // ISO-8601 UTC text compares in time order byte by byte; COLLATE "C" keeps the database's collation out of it.
        var sinceText = StoreText.Time(since.ToUniversalTime());
        // The state changes in the window, and each pair's last one before it (the state the window starts in).
        var transitions = await store.ReadAsync("the state changes", c => PostgresStore.Query(c, null, """
            SELECT datanode, at, from_state, to_state, trigger_name, reason FROM pair_transition t
            WHERE (@d::text IS NULL OR datanode = @d::text)
              AND (at_ms >= @since OR id = (SELECT id FROM pair_transition p WHERE p.datanode = t.datanode AND p.at_ms < @since ORDER BY at_ms DESC, id DESC LIMIT 1))
            ORDER BY at_ms, id;
            """, r => new PairTransition(r.GetString(0), StoreText.ParseTime(r.GetString(1)),
                StoreText.ParseEnum<PairState>(r.GetString(2), "pair_transition.from_state", r.GetString(0)),
                StoreText.ParseEnum<PairState>(r.GetString(3), "pair_transition.to_state", r.GetString(0)),
                StoreText.ParseEnum<PairTrigger>(r.GetString(4), "pair_transition.trigger_name", r.GetString(0)),
                r.GetString(5)), cancellationToken, ("d", datanode), ("since", sinceMs)), cancellationToken).ConfigureAwait(false);
        var incidents = await store.ReadAsync("the incident history", c => PostgresStore.Query(c, null,
            "SELECT document FROM incident_event WHERE at_ms >= @since AND (@d::text IS NULL OR subject = @d::text) ORDER BY at_ms, id;",
            r => JsonSerializer.Deserialize(r.GetString(0), RunbookJson.Info<IncidentEvent>())!, cancellationToken, ("since", sinceMs), ("d", datanode)),
            cancellationToken).ConfigureAwait(false);
        // Operations updated since the window began (one requested earlier may have run in it).
        var operations = await store.ReadAsync("the operations of the timeline", c => PostgresStore.Query(c, null, """
            SELECT id, document FROM operation WHERE updated_at COLLATE "C" >= @since AND (@d::text IS NULL OR datanode = @d::text) ORDER BY id LIMIT @limit;
            """, r => JsonSerializer.Deserialize(r.GetString(1), RunbookJson.Info<Operation>())! with { Id = r.GetInt64(0) }, cancellationToken,
            ("since", sinceText), ("d", datanode), ("limit", SqliteTimelineStore.ReadLimit)), cancellationToken).ConfigureAwait(false);
        var refusals = await store.ReadAsync("the refused commands of the timeline", c => PostgresStore.Query(c, null, """
            SELECT document FROM operation_refusal WHERE at COLLATE "C" >= @since AND (@d::text IS NULL OR datanode = @d::text) ORDER BY id LIMIT @limit;
            """, r => JsonSerializer.Deserialize(r.GetString(0), RunbookJson.Info<OperationRefusal>())!, cancellationToken,
            ("since", sinceText), ("d", datanode), ("limit", SqliteTimelineStore.ReadLimit)), cancellationToken).ConfigureAwait(false);
        return new TimelineSources(transitions, incidents, operations, refusals);
    }

    /// <inheritdoc />
    public async Task AppendAsync(IReadOnlyList<LagSample> samples, DateTimeOffset keepFrom, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(samples);
        await store.WriteAsync("the lag samples", async (c, tx) =>
        {
            foreach (var sample in samples)
                await PostgresStore.Execute(c, tx, """
                    INSERT INTO lag_sample (datanode, at_ms, bytes, seconds) VALUES (@d, @at, @bytes, @seconds)
                    ON CONFLICT (datanode, at_ms) DO UPDATE SET bytes = excluded.bytes, seconds = excluded.seconds;
                    """, cancellationToken, ("d", sample.Datanode), ("at", sample.At.ToUnixTimeMilliseconds()), ("bytes", sample.Bytes), ("seconds", sample.Seconds))
                    .ConfigureAwait(false);
            return await PostgresStore.Execute(c, tx, "DELETE FROM lag_sample WHERE at_ms < @keep;", cancellationToken, ("keep", keepFrom.ToUnixTimeMilliseconds()))
                .ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<LagSample>> GetAsync(string? datanode, DateTimeOffset since, CancellationToken cancellationToken) =>
        store.ReadAsync("the lag samples", c => PostgresStore.Query(c, null,
            "SELECT datanode, at_ms, bytes, seconds FROM lag_sample WHERE at_ms >= @since AND (@d::text IS NULL OR datanode = @d::text) ORDER BY at_ms, datanode;",
            r => new LagSample(r.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), r.IsDBNull(2) ? null : r.GetInt64(2),
                r.IsDBNull(3) ? null : r.GetDouble(3)), cancellationToken, ("since", since.ToUnixTimeMilliseconds()), ("d", datanode)), cancellationToken);
}
