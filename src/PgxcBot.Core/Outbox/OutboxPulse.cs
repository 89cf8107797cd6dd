namespace PgxcBot.Core.Outbox;

/// <summary>
/// A wake-up call within one process: the store fires it after a transaction that wrote outbox entries, and the
/// senders waiting on it look at once instead of at their next periodic look. Missing a pulse costs at most one
/// period: senders always look again after their timeout.
/// </summary>
public sealed class OutboxPulse
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wakes every waiter.</summary>
    public void Fire()
    {
        TaskCompletionSource fired;
        lock (_lock)
        {
            fired = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        fired.TrySetResult();
    }

    /// <summary>Completes at the next <see cref="Fire"/> (or throws when <paramref name="cancellationToken"/> fires).</summary>
    public Task WaitAsync(CancellationToken cancellationToken)
    {
        Task next;
        lock (_lock) next = _next.Task;
        return next.WaitAsync(cancellationToken);
    }
}
