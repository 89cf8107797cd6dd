using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Timeline;

namespace PgxcBot.Store;

/// <summary>
/// What the timeline and the pictures read (migration 10): every incident event (raised, reminded, reopened, cleared)
/// appended as the monitor stores its incidents, and the monitor's lag samples, bounded by time. It also gathers the
/// other records a timeline needs (state changes, operations, refusals) from their own tables.
/// </summary>
public sealed class SqliteTimelineStore(SqliteStore store) : ITimelineStore, ILagHistoryStore
{
    /// <summary>How many operations and refusals one timeline reads at most (a week of a busy cluster).</summary>
    public const int ReadLimit = 5000;

    internal const string Schema = """
        CREATE TABLE incident_event (
            id        INTEGER PRIMARY KEY AUTOINCREMENT,
            at_ms     INTEGER NOT NULL,
            subject   TEXT NOT NULL,
            -- The event (key, kind, severity, title, time) as one JSON document.
            document  TEXT NOT NULL
        ) STRICT;

        CREATE INDEX incident_event_by_time ON incident_event (at_ms, id);

        -- One row per pair and sample; rows older than the retention are deleted with each append.
        CREATE TABLE lag_sample (
            datanode TEXT NOT NULL,
            at_ms    INTEGER NOT NULL,
            bytes    INTEGER,
            seconds  REAL,
            PRIMARY KEY (datanode, at_ms)
        ) STRICT;

        CREATE INDEX lag_sample_by_time ON lag_sample (at_ms);
        """;

    /// <summary>Appends the events between the stored version of each incident and the new one, in the caller's
    /// transaction (before the incident row is overwritten).</summary>
    internal static async Task AppendIncidentEventsAsync(SqliteConnection connection, SqliteTransaction tx, IReadOnlyList<Incident> incidents,
        CancellationToken cancellationToken)
    {
        foreach (var incident in incidents)
        {
            Incident? before = null;
            await using (var read = connection.CreateCommand())
            {
                read.Transaction = tx;
                read.CommandText = "SELECT document FROM alert_incident WHERE incident_key = $key;";
                read.Parameters.AddWithValue("$key", incident.Key);
                if (await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string document)
                    before = JsonSerializer.Deserialize(document, RunbookJson.Info<Incident>());
            }
            foreach (var e in IncidentHistory.Changes(before, incident))
            {
                await using var insert = connection.CreateCommand();
                insert.Transaction = tx;
                insert.CommandText = "INSERT INTO incident_event (at_ms, subject, document) VALUES ($at, $subject, $document);";
                insert.Parameters.AddWithValue("$at", e.At.ToUnixTimeMilliseconds());
                insert.Parameters.AddWithValue("$subject", e.Subject);
                insert.Parameters.AddWithValue("$document", JsonSerializer.Serialize(e, RunbookJson.Info<IncidentEvent>()));
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async Task<TimelineSources> ReadAsync(string? datanode, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var transitions = await store.GetTransitionsSinceAsync(datanode, since, cancellationToken).ConfigureAwait(false);
        var incidents = await store.ReadAsync("the incident history", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT document FROM incident_event WHERE at_ms >= $since AND ($subject IS NULL OR subject = $subject) ORDER BY at_ms, id;";
            command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$subject", (object?)datanode ?? DBNull.Value);
            var result = new List<IncidentEvent>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                result.Add(JsonSerializer.Deserialize(reader.GetString(0), RunbookJson.Info<IncidentEvent>())!);
            return (IReadOnlyList<IncidentEvent>)result;
        }, cancellationToken).ConfigureAwait(false);
        // Operations updated since the window began (one requested earlier may have run in it).
        var operations = await store.ReadAsync("the operations of the timeline", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT id, document FROM operation WHERE updated_at >= $since AND ($datanode IS NULL OR datanode = $datanode) ORDER BY id LIMIT $limit;
                """;
            command.Parameters.AddWithValue("$since", since.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$datanode", (object?)datanode ?? DBNull.Value);
            command.Parameters.AddWithValue("$limit", ReadLimit);
            var result = new List<Operation>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                result.Add(JsonSerializer.Deserialize(reader.GetString(1), RunbookJson.Info<Operation>())! with { Id = reader.GetInt64(0) });
            return (IReadOnlyList<Operation>)result;
        }, cancellationToken).ConfigureAwait(false);
        var refusals = await store.ReadAsync("the refused commands of the timeline", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT document FROM operation_refusal WHERE at >= $since AND ($datanode IS NULL OR datanode = $datanode) ORDER BY id LIMIT $limit;
                """;
            command.Parameters.AddWithValue("$since", since.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$datanode", (object?)datanode ?? DBNull.Value);
            command.Parameters.AddWithValue("$limit", ReadLimit);
            var result = new List<OperationRefusal>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                result.Add(JsonSerializer.Deserialize(reader.GetString(0), RunbookJson.Info<OperationRefusal>())!);
            return (IReadOnlyList<OperationRefusal>)result;
        }, cancellationToken).ConfigureAwait(false);
        return new TimelineSources(transitions, incidents, operations, refusals);
    }

    /// <inheritdoc />
    public async Task AppendAsync(IReadOnlyList<LagSample> samples, DateTimeOffset keepFrom, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(samples);
        await store.WriteAsync("the lag samples", async connection =>
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            foreach (var sample in samples)
            {
                await using var insert = connection.CreateCommand();
                insert.Transaction = tx;
                insert.CommandText = """
                    INSERT INTO lag_sample (datanode, at_ms, bytes, seconds) VALUES ($datanode, $at, $bytes, $seconds)
                    ON CONFLICT (datanode, at_ms) DO UPDATE SET bytes = excluded.bytes, seconds = excluded.seconds;
                    """;
                insert.Parameters.AddWithValue("$datanode", sample.Datanode);
                insert.Parameters.AddWithValue("$at", sample.At.ToUnixTimeMilliseconds());
                insert.Parameters.AddWithValue("$bytes", (object?)sample.Bytes ?? DBNull.Value);
                insert.Parameters.AddWithValue("$seconds", (object?)sample.Seconds ?? DBNull.Value);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await using var prune = connection.CreateCommand();
            prune.Transaction = tx;
            prune.CommandText = "DELETE FROM lag_sample WHERE at_ms < $keep;";
            prune.Parameters.AddWithValue("$keep", keepFrom.ToUnixTimeMilliseconds());
            await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<LagSample>> GetAsync(string? datanode, DateTimeOffset since, CancellationToken cancellationToken) =>
        store.ReadAsync("the lag samples", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT datanode, at_ms, bytes, seconds FROM lag_sample WHERE at_ms >= $since AND ($datanode IS NULL OR datanode = $datanode) ORDER BY at_ms, datanode;";
            command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$datanode", (object?)datanode ?? DBNull.Value);
            var result = new List<LagSample>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                result.Add(new LagSample(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                    reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetDouble(3)));
            return (IReadOnlyList<LagSample>)result;
        }, cancellationToken);
}
