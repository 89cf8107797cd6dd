using System.Text.Json;
using Npgsql;
using PgxcBot.Core.Monitoring;

namespace PgxcBot.Store.Postgres;

/// <summary>Incidents and the monitor's async switches in the PostgreSQL store (migration 3, table monitor_degrade), saved with their chat outbox entries
/// and the incident history they add (migration 10) in one fenced transaction per monitor round.</summary>
public sealed class PostgresMonitorStore(PostgresStore store, TimeProvider time) : IMonitorStateStore
{
    private const string UpsertIncident = """
        INSERT INTO alert_incident (incident_key, status, updated_at, document) VALUES (@key, @status, @at, @doc)
        ON CONFLICT (incident_key) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, document = excluded.document;
        """;

    private const string UpsertAsyncSwitch = """
        INSERT INTO monitor_degrade (datanode, updated_at, document) VALUES (@d, @at, @doc)
        ON CONFLICT (datanode) DO UPDATE SET updated_at = excluded.updated_at, document = excluded.document;
        """;

    /// <inheritdoc />
    public Task<IReadOnlyList<Incident>> GetActiveIncidentsAsync(CancellationToken cancellationToken) =>
        store.ReadAsync("the alert incidents", c => PostgresStore.Query(c, null,
            "SELECT document FROM alert_incident WHERE status IN ('Open', 'Resolving') ORDER BY incident_key;",
            r => JsonSerializer.Deserialize(r.GetString(0), RunbookJson.Info<Incident>())!, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task SaveIncidentsAsync(IReadOnlyList<Incident> incidents, CancellationToken cancellationToken) =>
        SaveRoundAsync(new MonitorRound(incidents, [], [], []), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<AsyncSwitchRecord>> GetAsyncSwitchRecordsAsync(CancellationToken cancellationToken) =>
        store.ReadAsync("the degraded pairs", c => PostgresStore.Query(c, null, "SELECT document FROM monitor_degrade ORDER BY datanode;",
            r => JsonSerializer.Deserialize(r.GetString(0), RunbookJson.Info<AsyncSwitchRecord>())!, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task SaveAsyncSwitchAsync(AsyncSwitchRecord record, CancellationToken cancellationToken) =>
        SaveRoundAsync(new MonitorRound([], [record], [], []), cancellationToken);

    /// <inheritdoc />
    public Task RemoveAsyncSwitchAsync(string datanode, CancellationToken cancellationToken) =>
        SaveRoundAsync(new MonitorRound([], [], [datanode], []), cancellationToken);

    /// <inheritdoc />
    public async Task SaveRoundAsync(MonitorRound round, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(round);
        if (round.IsEmpty) return;
        var at = StoreText.Time(time.GetUtcNow());
        await store.WriteAsync("the monitor's incidents and alerts", async (c, tx) =>
        {
            // History first (migration 10): it compares with the stored version, which the upsert below replaces.
            await PostgresTimelineStore.AppendIncidentEventsAsync(c, tx, round.Incidents, cancellationToken).ConfigureAwait(false);
            foreach (var incident in round.Incidents)
                await PostgresStore.Execute(c, tx, UpsertIncident, cancellationToken, ("key", incident.Key), ("status", incident.Status.ToString()), ("at", at),
                    ("doc", JsonSerializer.Serialize(incident, RunbookJson.Info<Incident>()))).ConfigureAwait(false);
            foreach (var record in round.AsyncSwitches)
                await PostgresStore.Execute(c, tx, UpsertAsyncSwitch, cancellationToken, ("d", record.Datanode), ("at", at),
                    ("doc", JsonSerializer.Serialize(record, RunbookJson.Info<AsyncSwitchRecord>()))).ConfigureAwait(false);
            foreach (var datanode in round.EndedAsyncSwitches)
                await PostgresStore.Execute(c, tx, "DELETE FROM monitor_degrade WHERE datanode = @d;", cancellationToken, ("d", datanode)).ConfigureAwait(false);
            await PostgresOutboxStore.InsertAsync(c, tx, round.Outbox, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (round.Outbox.Count > 0) store.Pulse.Fire();
    }
}
