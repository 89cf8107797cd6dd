namespace PgxcBot.Core.Outbox;

/// <summary>
/// The durable outbox: what is to be said in chat, until its sender has said it. Entries are written by the
/// producers in the same transaction as the state change they report (<see cref="Operations.IOperationUnitOfWork.EnqueueAsync"/>,
/// <see cref="Monitoring.IMonitorStateStore.SaveRoundAsync"/>), or alone with <see cref="EnqueueAsync"/>, and read
/// and marked by the senders. The same contract for every store (SQLite now, PostgreSQL later); every method throws
/// <see cref="Operations.StoreUnavailableException"/> when the store cannot be read or written.
/// </summary>
public interface IOutboxStore
{
    /// <summary>Stores <paramref name="entries"/> in one transaction, in list order (their ids increase in that order).</summary>
    Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken);

    /// <summary>The pending entries of <paramref name="target"/>, oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<OutboxEntry>> GetPendingAsync(string target, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Marks entries done (<paramref name="outcome"/> at <paramref name="at"/>) and, in the same transaction, records
    /// what the channel made of their message (<paramref name="posted"/>, replacing the key's earlier record; its
    /// <see cref="PostedMessage.DeliveredId"/> never goes down). Entries already done are left as they are.
    /// </summary>
    Task CompleteAsync(IReadOnlyList<long> ids, OutboxOutcome outcome, DateTimeOffset at, PostedMessage? posted, CancellationToken cancellationToken);

    /// <summary>Counts a failed attempt of a pending entry, with why, and when the next one may start.</summary>
    Task RecordFailureAsync(long id, string error, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken);

    /// <summary>What <paramref name="target"/> made of <paramref name="messageKey"/> so far, or null.</summary>
    Task<PostedMessage?> GetPostedAsync(string target, string messageKey, CancellationToken cancellationToken);

    /// <summary>Deletes entries created before <paramref name="before"/> (delivered or not: by then they are history)
    /// and posted-message records not updated since. Returns how many entries went.</summary>
    Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>Completes when this process next writes an entry (to any target). Entries written by other processes
    /// are found by the sender's periodic look, which it combines with this.</summary>
    Task WaitForEntriesAsync(CancellationToken cancellationToken);
}
