using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Outbox;

namespace PgxcBot.Store;

/// <summary>
/// The chat outbox in the bot's SQLite file (migration 6). Producers add entries inside their own transactions
/// (<see cref="InsertAsync"/>, used by the operation and monitor stores); senders read the pending ones of their
/// target and mark them. A transaction of this process that wrote entries fires <see cref="SqliteStore.Pulse"/>,
/// so the senders look at once.
/// </summary>
public sealed class SqliteOutboxStore(SqliteStore store) : IOutboxStore
{
    private const string Columns =
        "id, created_at, target, kind, message_key, body, nonce, address, final, mention_on_call, attempts, next_attempt_ms, last_error, done_at, outcome";

    /// <inheritdoc />
    public async Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0) return;
        await store.WriteAsync("the chat outbox", async connection =>
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await InsertAsync(connection, tx, entries, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        store.Pulse.Fire();
    }

    /// <summary>Adds <paramref name="entries"/> in <paramref name="tx"/>, in order. The caller fires
    /// <see cref="SqliteStore.Pulse"/> once the transaction committed.</summary>
    internal static async Task InsertAsync(SqliteConnection connection, SqliteTransaction tx, IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken)
    {
        foreach (var entry in entries)
        {
            if (entry.Nonce.Length is 0 or > 25)
                throw new ArgumentException($"outbox entry for {entry.Target} has nonce '{entry.Nonce}': it must be 1 to 25 characters (Discord's limit).", nameof(entries));
            await using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = """
                INSERT INTO outbox (created_at, created_ms, target, kind, message_key, body, nonce, address, final, mention_on_call)
                VALUES ($created, $createdMs, $target, $kind, $key, $body, $nonce, $address, $final, $mention);
                """;
            command.Parameters.AddWithValue("$created", entry.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$createdMs", entry.CreatedAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$target", entry.Target);
            command.Parameters.AddWithValue("$kind", entry.Kind.ToString());
            command.Parameters.AddWithValue("$key", (object?)entry.MessageKey ?? DBNull.Value);
            command.Parameters.AddWithValue("$body", JsonSerializer.Serialize(entry.Body, RunbookJson.Options));
            command.Parameters.AddWithValue("$nonce", entry.Nonce);
            command.Parameters.AddWithValue("$address", (object?)entry.Address ?? DBNull.Value);
            command.Parameters.AddWithValue("$final", entry.Final ? 1 : 0);
            command.Parameters.AddWithValue("$mention", entry.MentionOnCall ? 1 : 0);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<OutboxEntry>> GetPendingAsync(string target, int limit, CancellationToken cancellationToken) =>
        store.ReadAsync($"the chat outbox of {target}", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM outbox WHERE target = $target AND done_at IS NULL ORDER BY id LIMIT $limit;";
            command.Parameters.AddWithValue("$target", target);
            command.Parameters.AddWithValue("$limit", limit);
            var result = new List<OutboxEntry>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) result.Add(Read(reader));
            return (IReadOnlyList<OutboxEntry>)result;
        }, cancellationToken);

    /// <inheritdoc />
    public async Task CompleteAsync(IReadOnlyList<long> ids, OutboxOutcome outcome, DateTimeOffset at, PostedMessage? posted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0 && posted is null) return;
        await store.WriteAsync("the delivery of chat messages", async connection =>
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            foreach (var id in ids)
            {
                await using var mark = connection.CreateCommand();
                mark.Transaction = tx;
                mark.CommandText = "UPDATE outbox SET done_at = $at, outcome = $outcome WHERE id = $id AND done_at IS NULL;";
                mark.Parameters.AddWithValue("$at", at.ToString("O", CultureInfo.InvariantCulture));
                mark.Parameters.AddWithValue("$outcome", outcome.ToString());
                mark.Parameters.AddWithValue("$id", id);
                await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            if (posted is not null)
            {
                await using var upsert = connection.CreateCommand();
                upsert.Transaction = tx;
                upsert.CommandText = """
                    INSERT INTO outbox_posted (target, message_key, external_id, address, delivered_id, updated_ms)
                    VALUES ($target, $key, $external, $address, $delivered, $updated)
                    ON CONFLICT (target, message_key) DO UPDATE SET external_id = excluded.external_id, address = excluded.address,
                        delivered_id = MAX(outbox_posted.delivered_id, excluded.delivered_id), updated_ms = excluded.updated_ms;
                    """;
                upsert.Parameters.AddWithValue("$target", posted.Target);
                upsert.Parameters.AddWithValue("$key", posted.MessageKey);
                upsert.Parameters.AddWithValue("$external", posted.ExternalId);
                upsert.Parameters.AddWithValue("$address", (object?)posted.Address ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$delivered", posted.DeliveredId);
                upsert.Parameters.AddWithValue("$updated", at.ToUnixTimeMilliseconds());
                await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task RecordFailureAsync(long id, string error, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken) =>
        store.WriteAsync($"a failed delivery of chat message {id}", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE outbox SET attempts = attempts + 1, last_error = $error, next_attempt_ms = $next WHERE id = $id AND done_at IS NULL;";
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$error", error.Length <= 1000 ? error : error[..1000]);
            command.Parameters.AddWithValue("$next", nextAttemptAt.ToUnixTimeMilliseconds());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<PostedMessage?> GetPostedAsync(string target, string messageKey, CancellationToken cancellationToken) =>
        store.ReadAsync($"the chat message of {messageKey}", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT external_id, address, delivered_id FROM outbox_posted WHERE target = $target AND message_key = $key;";
            command.Parameters.AddWithValue("$target", target);
            command.Parameters.AddWithValue("$key", messageKey);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
            return new PostedMessage(target, messageKey, reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2));
        }, cancellationToken);

    /// <inheritdoc />
    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        store.WriteAsync("old chat messages", async connection =>
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var entries = connection.CreateCommand();
            entries.Transaction = tx;
            entries.CommandText = "DELETE FROM outbox WHERE created_ms < $before;";
            entries.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            var deleted = await entries.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await using var posted = connection.CreateCommand();
            posted.Transaction = tx;
            posted.CommandText = "DELETE FROM outbox_posted WHERE updated_ms < $before;";
            posted.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            await posted.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return deleted;
        }, cancellationToken);

    /// <inheritdoc />
    public Task WaitForEntriesAsync(CancellationToken cancellationToken) => store.Pulse.WaitAsync(cancellationToken);

    private OutboxEntry Read(SqliteDataReader reader)
    {
        var id = reader.GetInt64(0);
        var kind = Enum.TryParse<OutboxKind>(reader.GetString(3), out var k) && Enum.IsDefined(k)
            ? k
            : throw new InvalidDataException($"outbox entry {id} in {store.Path} has kind '{reader.GetString(3)}', which this bot does not know");
        var body = JsonSerializer.Deserialize<ChatMessage>(reader.GetString(5), RunbookJson.Options)
                   ?? throw new InvalidDataException($"outbox entry {id} in {store.Path} has an empty body");
        return new OutboxEntry(id, DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            reader.GetString(2), kind, reader.IsDBNull(4) ? null : reader.GetString(4), body, reader.GetString(6))
        {
            Address = reader.IsDBNull(7) ? null : reader.GetString(7),
            Final = reader.GetInt64(8) != 0,
            MentionOnCall = reader.GetInt64(9) != 0,
            Attempts = (int)reader.GetInt64(10),
            NextAttemptAt = reader.IsDBNull(11) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(11)),
            LastError = reader.IsDBNull(12) ? null : reader.GetString(12),
            DoneAt = reader.IsDBNull(13) ? null : DateTimeOffset.Parse(reader.GetString(13), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            Outcome = reader.IsDBNull(14) ? null : Enum.Parse<OutboxOutcome>(reader.GetString(14)),
        };
    }
}
