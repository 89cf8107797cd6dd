using System.Data.Common;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Outbox;

namespace PgxcBot.Store;

/// <summary>
/// What the operation and outbox tables (<see cref="SqlOperationStore"/>, <see cref="SqlOutboxStore"/>) need of a
/// store: the same tables and SQL on SQLite and PostgreSQL, so only how a connection, a transaction and a failure are
/// had differs. Implemented by <see cref="SqliteStore"/> and <see cref="Postgres.PostgresStore"/>.
/// </summary>
internal interface IStoreDatabase
{
    /// <summary>Where a bad row was read, for messages: "in /var/lib/pgxcbot/state.db", "in the PostgreSQL store h:5432/db".</summary>
    string RowPlace { get; }

    /// <summary>Fired after each transaction of this process that wrote chat outbox entries.</summary>
    OutboxPulse Pulse { get; }

    /// <summary>Runs a read on its own connection; a database failure becomes <see cref="StoreUnavailableException"/>.</summary>
    Task<T> ReadAsync<T>(string what, Func<DbConnection, Task<T>> read, CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="write"/> in one transaction (fenced where the store fences) and commits it; a database
    /// failure is remembered for the health check and becomes <see cref="StoreUnavailableException"/>.</summary>
    Task<T> WriteAsync<T>(string what, Func<DbConnection, DbTransaction, Task<T>> write, CancellationToken cancellationToken);

    /// <summary>A transaction in which every process decides operations on the latest version (SQLite: BEGIN IMMEDIATE;
    /// PostgreSQL: an advisory lock and the fencing check). Throws <see cref="StoreUnavailableException"/>.</summary>
    Task<(DbConnection Connection, DbTransaction Transaction)> BeginOperationsAsync(CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="e"/> is a failure of the database (to report as the store unavailable).</summary>
    bool IsFailure(Exception e);

    /// <summary>The exception for a failed read or write of <paramref name="what"/>; a failed write is remembered.</summary>
    StoreUnavailableException Unavailable(string what, Exception e, bool write);

    /// <summary>Forgets a remembered write failure: a write just succeeded.</summary>
    void WriteSucceeded();
}
