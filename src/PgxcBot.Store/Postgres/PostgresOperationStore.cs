namespace PgxcBot.Store.Postgres;

/// <summary>
/// Operations in the PostgreSQL store, with the columns and document of the SQLite store (<see cref="SqlOperationStore"/>).
/// A unit of work is one transaction that first takes a transaction-level advisory lock (the counterpart of SQLite's
/// BEGIN IMMEDIATE: every replica decides on the latest version) and checks the fencing token, so a deposed leader
/// cannot change an operation.
/// </summary>
public sealed class PostgresOperationStore(PostgresStore store, TimeProvider? time = null) : SqlOperationStore(store, time);
