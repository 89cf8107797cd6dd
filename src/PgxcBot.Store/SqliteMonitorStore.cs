using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PgxcBot.Core.Monitoring;

namespace PgxcBot.Store;

/// <summary>Incidents and the monitor's async switches in the bot's SQLite file (migration 3, table monitor_degrade), stored with the chat outbox entries
/// that tell about them (migration 6) in one transaction per monitor round.</summary>
public sealed class SqliteMonitorStore(SqliteStore store, TimeProvider time) : IMonitorStateStore
{
    public async Task<IReadOnlyList<Incident>> GetActiveIncidentsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT document FROM alert_incident WHERE status IN ('Open', 'Resolving') ORDER BY incident_key;";
        var result = new List<Incident>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            result.Add(JsonSerializer.Deserialize(reader.GetString(0), RunbookJson.Info<Incident>())!);
        return result;
    }

    public async Task SaveIncidentsAsync(IReadOnlyList<Incident> incidents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incidents);
        if (incidents.Count == 0) return;
        await store.WriteAsync("the alert incidents", async connection =>
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // History first: it compares with the stored version, which the upsert below replaces.
            await SqliteTimelineStore.AppendIncidentEventsAsync(connection, (SqliteTransaction)tx, incidents, cancellationToken).ConfigureAwait(false);
            foreach (var incident in incidents)
            {
                await using var command = connection.CreateCommand();
                command.Transaction = (Microsoft.Data.Sqlite.SqliteTransaction)tx;
                command.CommandText = """
                    INSERT INTO alert_incident (incident_key, status, updated_at, document) VALUES ($key, $status, $at, $document)
                    ON CONFLICT (incident_key) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, document = excluded.document;
                    """;
                command.Parameters.AddWithValue("$key", incident.Key);
                command.Parameters.AddWithValue("$status", incident.Status.ToString());
                command.Parameters.AddWithValue("$at", Now());
                command.Parameters.AddWithValue("$document", JsonSerializer.Serialize(incident, RunbookJson.Info<Incident>()));
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AsyncSwitchRecord>> GetAsyncSwitchRecordsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT document FROM monitor_degrade ORDER BY datanode;";
        var result = new List<AsyncSwitchRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            result.Add(JsonSerializer.Deserialize(reader.GetString(0), RunbookJson.Info<AsyncSwitchRecord>())!);
        return result;
    }

    public async Task SaveAsyncSwitchAsync(AsyncSwitchRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await store.WriteAsync($"the degraded state of {record.Datanode}", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO monitor_degrade (datanode, updated_at, document) VALUES ($datanode, $at, $document)
                ON CONFLICT (datanode) DO UPDATE SET updated_at = excluded.updated_at, document = excluded.document;
                """;
            command.Parameters.AddWithValue("$datanode", record.Datanode);
            command.Parameters.AddWithValue("$at", Now());
            command.Parameters.AddWithValue("$document", JsonSerializer.Serialize(record, RunbookJson.Info<AsyncSwitchRecord>()));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task RemoveAsyncSwitchAsync(string datanode, CancellationToken cancellationToken) =>
        await store.WriteAsync($"the degraded state of {datanode}", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM monitor_degrade WHERE datanode = $datanode;";
            command.Parameters.AddWithValue("$datanode", datanode);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task SaveRoundAsync(MonitorRound round, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(round);
        if (round.IsEmpty) return;
        await store.WriteAsync("the monitor's incidents and alerts", async connection =>
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // History first: it compares with the stored version, which the upsert below replaces.
            await SqliteTimelineStore.AppendIncidentEventsAsync(connection, tx, round.Incidents, cancellationToken).ConfigureAwait(false);
            foreach (var incident in round.Incidents)
                await ExecuteAsync(connection, tx, """
                    INSERT INTO alert_incident (incident_key, status, updated_at, document) VALUES ($key, $status, $at, $document)
                    ON CONFLICT (incident_key) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, document = excluded.document;
                    """, c =>
                {
                    c.Parameters.AddWithValue("$key", incident.Key);
                    c.Parameters.AddWithValue("$status", incident.Status.ToString());
                    c.Parameters.AddWithValue("$document", JsonSerializer.Serialize(incident, RunbookJson.Info<Incident>()));
                }, cancellationToken).ConfigureAwait(false);
            foreach (var record in round.AsyncSwitches)
                await ExecuteAsync(connection, tx, """
                    INSERT INTO monitor_degrade (datanode, updated_at, document) VALUES ($datanode, $at, $document)
                    ON CONFLICT (datanode) DO UPDATE SET updated_at = excluded.updated_at, document = excluded.document;
                    """, c =>
                {
                    c.Parameters.AddWithValue("$datanode", record.Datanode);
                    c.Parameters.AddWithValue("$document", JsonSerializer.Serialize(record, RunbookJson.Info<AsyncSwitchRecord>()));
                }, cancellationToken).ConfigureAwait(false);
            foreach (var datanode in round.EndedAsyncSwitches)
                await ExecuteAsync(connection, tx, "DELETE FROM monitor_degrade WHERE datanode = $datanode;",
                    c => c.Parameters.AddWithValue("$datanode", datanode), cancellationToken).ConfigureAwait(false);
            await SqliteOutboxStore.InsertAsync(connection, tx, round.Outbox, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (round.Outbox.Count > 0) store.Pulse.Fire();
    }

    private async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction tx, string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        if (sql.Contains("$at", StringComparison.Ordinal)) command.Parameters.AddWithValue("$at", Now());
        bind(command);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private string Now() => time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
}

