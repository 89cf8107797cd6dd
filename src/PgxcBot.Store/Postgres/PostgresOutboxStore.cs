namespace PgxcBot.Store.Postgres;

/// <summary>The chat outbox in the PostgreSQL store (migration 7), with the semantics of <see cref="SqliteOutboxStore"/>
/// (<see cref="SqlOutboxStore"/>); marking is fenced like every write.</summary>
public sealed class PostgresOutboxStore(PostgresStore store) : SqlOutboxStore(store);
