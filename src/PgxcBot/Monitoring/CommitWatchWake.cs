namespace PgxcBot.Monitoring;

/// <summary>
/// Wakes one master's watch loop out of its wait for the next tick, so it samples at once (its slave's link was lost):
/// the loop waits with <see cref="Token"/>, which is cancelled by the stop or by <see cref="Wake"/>; after a wake the
/// loop calls <see cref="Rearm"/> for a fresh token. A token rather than a task to wait on: the ticker's waits are
/// many (every 50 ms per master) and a cancellation registration is undone with each, where a continuation on a task
/// that rarely completes would pile up.
/// </summary>
internal sealed class CommitWatchWake : IDisposable
{
    private readonly CancellationToken _stopping;
    private readonly Lock _gate = new();
    private CancellationTokenSource _current;
    private bool _disposed;

    /// <param name="stopping">The watch's stop: it cancels every token this gives.</param>
    public CommitWatchWake(CancellationToken stopping)
    {
        _stopping = stopping;
        _current = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    /// <summary>The token to wait with: cancelled by the stop or by the next <see cref="Wake"/>.</summary>
    public CancellationToken Token
    {
        get
        {
            lock (_gate) return _current.Token;
        }
    }

    /// <summary>Cancels the current token (the loop's wait ends and it samples).</summary>
    public void Wake()
    {
        lock (_gate)
        {
            if (!_disposed) _current.Cancel();
        }
    }

    /// <summary>Replaces a cancelled token after a wake. False when the watch is stopping (the loop ends).</summary>
    public bool Rearm()
    {
        lock (_gate)
        {
            if (_disposed || _stopping.IsCancellationRequested) return false;
            if (!_current.IsCancellationRequested) return true;
            _current.Dispose();
            _current = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
            return true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _current.Dispose();
        }
    }
}
