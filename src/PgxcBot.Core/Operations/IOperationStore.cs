namespace PgxcBot.Core.Operations;

/// <summary>
/// Where operations live, so that an approval survives a restart and a bot that died mid-operation can
/// say which steps ran. Steps are written before and after they run.
/// <para>
/// Concurrency contract, the same for every implementation (SQLite now, PostgreSQL later): several processes
/// (and several tasks of one process) share one store. Every change of an operation goes through a unit of
/// work (<see cref="BeginAsync"/>). Inside it, <see cref="IOperationUnitOfWork.GetAsync"/> sees the latest
/// committed version, and no other writer can change what it read until the unit ends (SQLite:
/// <c>BEGIN IMMEDIATE</c>; PostgreSQL: <c>SELECT … FOR UPDATE</c>), so a decision taken on that read holds
/// when it is written. <see cref="IOperationUnitOfWork.TryReplaceAsync"/> is a compare-and-set on the
/// expected state, plan version (<see cref="Operation.Nonce"/>) and <see cref="Operation.Revision"/>, and
/// says whether it won. Nothing is visible to others before <see cref="IOperationUnitOfWork.CommitAsync"/>;
/// a unit disposed without commit rolls back. What chat is to say about a state change joins the same unit of
/// work (<see cref="IOperationUnitOfWork.EnqueueAsync"/>): the change and its message are stored together or not at all.
/// </para>
/// <para>
/// A store that cannot be read or written (disk full, read-only, I/O error, locked for too long) throws
/// <see cref="StoreUnavailableException"/>, whose message names the store and the cause.
/// </para>
/// </summary>
public interface IOperationStore
{
    /// <summary>Starts a unit of work holding the store's write lock until it is committed or disposed.
    /// Keep it short: store reads and writes only, never a call to a server or to chat.</summary>
    Task<IOperationUnitOfWork> BeginAsync(CancellationToken cancellationToken);

    /// <summary>The operation as last committed, or null. A plain read: decisions that lead to a write are
    /// taken again inside a unit of work.</summary>
    Task<Operation?> GetAsync(long id, CancellationToken cancellationToken);

    /// <summary>Operations not finished (Planned, AwaitingApproval, Running, Interrupted), oldest first.</summary>
    Task<IReadOnlyList<Operation>> GetOpenAsync(CancellationToken cancellationToken);

    /// <summary>Newest first; all datanodes when <paramref name="datanode"/> is null.</summary>
    Task<IReadOnlyList<Operation>> GetHistoryAsync(string? datanode, int limit, CancellationToken cancellationToken);

    /// <summary>Extends a running operation's <see cref="Operation.LeaseExpiresAt"/> to <paramref name="until"/>,
    /// only while it is Running under <paramref name="runner"/>. Not a change of state: the revision stays.
    /// False when the operation is no longer this runner's.</summary>
    Task<bool> RenewLeaseAsync(long id, string runner, DateTimeOffset until, CancellationToken cancellationToken);
}

/// <summary>One transaction of <see cref="IOperationStore"/>: reads under the write lock, conditional writes, commit.</summary>
public interface IOperationUnitOfWork : IAsyncDisposable
{
    /// <summary>The operation as committed now, or null; nobody else can change it until this unit ends.</summary>
    Task<Operation?> GetAsync(long id, CancellationToken cancellationToken);

    /// <summary>The open operations of <paramref name="datanode"/> (see <see cref="Operation.IsOpen"/>), oldest first.</summary>
    Task<IReadOnlyList<Operation>> GetOpenAsync(string datanode, CancellationToken cancellationToken);

    /// <summary>Stores a new operation; returns it with its id and <see cref="Operation.Revision"/> 1.</summary>
    Task<Operation> InsertAsync(Operation operation, CancellationToken cancellationToken);

    /// <summary>
    /// Compare-and-set: replaces the stored operation <paramref name="expected"/>.Id with <paramref name="next"/>
    /// only if the store still holds <paramref name="expected"/>'s state, plan version (Nonce) and revision.
    /// Returns <paramref name="next"/> as stored (revision + 1), or null when the stored operation differs
    /// (another writer won; read it again to say what it did).
    /// </summary>
    Task<Operation?> TryReplaceAsync(Operation expected, Operation next, CancellationToken cancellationToken);

    /// <summary>Adds <paramref name="entries"/> to the chat outbox (<see cref="Outbox.IOutboxStore"/>) in this unit: they are
    /// stored, and visible to the senders, only if the unit commits.</summary>
    Task EnqueueAsync(IReadOnlyList<Outbox.OutboxEntry> entries, CancellationToken cancellationToken);

    /// <summary>Makes every write of this unit visible at once.</summary>
    Task CommitAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The store could not be read or written: disk full, read-only file, I/O error, locked by another process
/// for too long. The message names the store (its file) and the cause, for the operator.
/// </summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException() : this("the store is not available") { }
    public StoreUnavailableException(string message) : base(message) { }
    public StoreUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
