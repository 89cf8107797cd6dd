namespace PgxcBot.Store;

/// <summary>
/// Operations in the bot's SQLite file (<see cref="SqlOperationStore"/>). A unit of work is one <c>BEGIN IMMEDIATE</c>
/// transaction: it takes the file's write lock before its first read, so every process decides on the latest version.
/// </summary>
public sealed class SqliteOperationStore(SqliteStore store, TimeProvider? time = null) : SqlOperationStore(store, time);
