namespace PgxcBot.Store;

/// <summary>The chat outbox in the bot's SQLite file (migration 6); see <see cref="SqlOutboxStore"/>. A transaction of
/// this process that wrote entries fires <see cref="SqliteStore.Pulse"/>.</summary>
public sealed class SqliteOutboxStore(SqliteStore store) : SqlOutboxStore(store);
