using System.Data.Common;
using System.Text.Json;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Outbox;

namespace PgxcBot.Store;

/// <summary>
/// The chat outbox in a store's <c>outbox</c> and <c>outbox_posted</c> tables, the same on SQLite and PostgreSQL.
/// Producers add entries inside their own transactions (<see cref="InsertAsync"/>, used by the operation and monitor
/// stores); senders read the pending ones of their target and mark them, and a message never goes back to an older
/// entry. A transaction of this process that wrote entries fires the store's pulse, so the senders look at once.
/// On PostgreSQL marking is fenced like every write: a deposed leader cannot mark an entry it did not deliver.
/// </summary>
public abstract class SqlOutboxStore : IOutboxStore
{
    private const string Columns =
        "id, created_at, target, kind, message_key, body, nonce, address, final, mention_on_call, attempts, next_attempt_ms, last_error, done_at, outcome";

    private readonly IStoreDatabase _db;

    private protected SqlOutboxStore(IStoreDatabase db) => _db = db;

    /// <inheritdoc />
    public async Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0) return;
        await _db.WriteAsync("the chat outbox", async (c, tx) =>
        {
            await InsertAsync(c, tx, entries, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        _db.Pulse.Fire();
    }

    /// <summary>Adds <paramref name="entries"/> in <paramref name="tx"/>, in order. The caller fires the store's pulse
    /// once the transaction committed.</summary>
    internal static async Task InsertAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken)
    {
        foreach (var entry in entries)
        {
            if (entry.Nonce.Length is 0 or > 25)
                throw new ArgumentException($"outbox entry for {entry.Target} has nonce '{entry.Nonce}': it must be 1 to 25 characters (Discord's limit).", nameof(entries));
            await StoreSql.Execute(connection, tx, """
                INSERT INTO outbox (created_at, created_ms, target, kind, message_key, body, nonce, address, final, mention_on_call)
                VALUES (@created, @createdMs, @target, @kind, @key, @body, @nonce, @address, @final, @mention);
                """, cancellationToken, ("created", StoreText.Time(entry.CreatedAt)), ("createdMs", entry.CreatedAt.ToUnixTimeMilliseconds()), ("target", entry.Target),
                ("kind", entry.Kind.ToString()), ("key", entry.MessageKey), ("body", JsonSerializer.Serialize(entry.Body, RunbookJson.Info<ChatMessage>())), ("nonce", entry.Nonce),
                ("address", entry.Address), ("final", entry.Final ? 1L : 0L), ("mention", entry.MentionOnCall ? 1L : 0L)).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<OutboxEntry>> GetPendingAsync(string target, int limit, CancellationToken cancellationToken) =>
        _db.ReadAsync($"the chat outbox of {target}", c => StoreSql.Query(c, null,
            $"SELECT {Columns} FROM outbox WHERE target = @target AND done_at IS NULL ORDER BY id LIMIT @limit;", Read, cancellationToken,
            ("target", target), ("limit", limit)), cancellationToken);

    /// <inheritdoc />
    public async Task CompleteAsync(IReadOnlyList<long> ids, OutboxOutcome outcome, DateTimeOffset at, PostedMessage? posted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0 && posted is null) return;
        await _db.WriteAsync("the delivery of chat messages", async (c, tx) =>
        {
            foreach (var id in ids)
                await StoreSql.Execute(c, tx, "UPDATE outbox SET done_at = @at, outcome = @outcome WHERE id = @id AND done_at IS NULL;", cancellationToken,
                    ("at", StoreText.Time(at)), ("outcome", outcome.ToString()), ("id", id)).ConfigureAwait(false);
            // CASE, not GREATEST (PostgreSQL) or two-argument MAX (SQLite): the one text both read.
            if (posted is not null)
                await StoreSql.Execute(c, tx, """
                    INSERT INTO outbox_posted (target, message_key, external_id, address, delivered_id, updated_ms)
                    VALUES (@target, @key, @external, @address, @delivered, @updated)
                    ON CONFLICT (target, message_key) DO UPDATE SET external_id = excluded.external_id, address = excluded.address,
                        delivered_id = CASE WHEN excluded.delivered_id > outbox_posted.delivered_id THEN excluded.delivered_id ELSE outbox_posted.delivered_id END,
                        updated_ms = excluded.updated_ms;
                    """, cancellationToken, ("target", posted.Target), ("key", posted.MessageKey), ("external", posted.ExternalId), ("address", posted.Address),
                    ("delivered", posted.DeliveredId), ("updated", at.ToUnixTimeMilliseconds())).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task RecordFailureAsync(long id, string error, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken) =>
        _db.WriteAsync($"a failed delivery of chat message {id}", (c, tx) => StoreSql.Execute(c, tx,
            "UPDATE outbox SET attempts = attempts + 1, last_error = @error, next_attempt_ms = @next WHERE id = @id AND done_at IS NULL;", cancellationToken,
            ("id", id), ("error", error.Length <= 1000 ? error : error[..1000]), ("next", nextAttemptAt.ToUnixTimeMilliseconds())), cancellationToken);

    /// <inheritdoc />
    public async Task<PostedMessage?> GetPostedAsync(string target, string messageKey, CancellationToken cancellationToken) =>
        (await _db.ReadAsync($"the chat message of {messageKey}", c => StoreSql.Query(c, null,
            "SELECT external_id, address, delivered_id FROM outbox_posted WHERE target = @target AND message_key = @key;",
            r => new PostedMessage(target, messageKey, r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetInt64(2)), cancellationToken,
            ("target", target), ("key", messageKey)), cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <inheritdoc />
    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        _db.WriteAsync("old chat messages", async (c, tx) =>
        {
            var deleted = await StoreSql.Execute(c, tx, "DELETE FROM outbox WHERE created_ms < @before;", cancellationToken, ("before", before.ToUnixTimeMilliseconds()))
                .ConfigureAwait(false);
            await StoreSql.Execute(c, tx, "DELETE FROM outbox_posted WHERE updated_ms < @before;", cancellationToken, ("before", before.ToUnixTimeMilliseconds()))
                .ConfigureAwait(false);
            return deleted;
        }, cancellationToken);

    /// <inheritdoc />
    public Task WaitForEntriesAsync(CancellationToken cancellationToken) => _db.Pulse.WaitAsync(cancellationToken);

    private OutboxEntry Read(DbDataReader reader)
    {
        var id = reader.GetInt64(0);
        var kind = Enum.TryParse<OutboxKind>(reader.GetString(3), out var k) && Enum.IsDefined(k)
            ? k
            : throw new InvalidDataException($"outbox entry {id} {_db.RowPlace} has kind '{reader.GetString(3)}', which this bot does not know");
        var body = JsonSerializer.Deserialize(reader.GetString(5), RunbookJson.Info<ChatMessage>())
                   ?? throw new InvalidDataException($"outbox entry {id} {_db.RowPlace} has an empty body");
        return new OutboxEntry(id, StoreText.ParseTime(reader.GetString(1)), reader.GetString(2), kind, reader.IsDBNull(4) ? null : reader.GetString(4), body,
            reader.GetString(6))
        {
            Address = reader.IsDBNull(7) ? null : reader.GetString(7),
            Final = reader.GetInt64(8) != 0,
            MentionOnCall = reader.GetInt64(9) != 0,
            Attempts = (int)reader.GetInt64(10),
            NextAttemptAt = reader.IsDBNull(11) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(11)),
            LastError = reader.IsDBNull(12) ? null : reader.GetString(12),
            DoneAt = reader.IsDBNull(13) ? null : StoreText.ParseTime(reader.GetString(13)),
            Outcome = reader.IsDBNull(14) ? null : Enum.Parse<OutboxOutcome>(reader.GetString(14)),
        };
    }
}
