namespace PgxcBot.Monitoring;

/// <summary>
/// The one clock of the commit watch: every master's loop waits for the same tick, so a round of samples is one
/// timer firing and one burst of queries (their answers arrive together and are handled by threads already awake),
/// instead of a timer per master firing at its own phase and waking the timer thread and a sleeping pool thread each
/// time (16 pairs at 50 ms: 320 timer firings a second become 20).
/// <para>
/// As with a <see cref="PeriodicTimer"/>, a loop whose sample outlasted a tick samples again at once (missed ticks
/// coalesce into one). Safe for any number of concurrent waiters; <see cref="Dispose"/> releases them all.
/// </para>
/// </summary>
internal sealed class CommitWatchTicker : IDisposable
{
    private readonly ITimer _timer;
    private TaskCompletionSource _next = NewTick();
    private TimeSpan _interval;
    private long _count;
    private volatile bool _disposed;

    /// <param name="interval">The time between ticks (positive).</param>
    /// <param name="time">The clock (tests use a fake one).</param>
    public CommitWatchTicker(TimeSpan interval, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        _interval = interval;
        _timer = time.CreateTimer(_ => Tick(), null, interval, interval);
    }

    /// <summary>Ticks so far: read it before a sample and pass it to <see cref="WaitAsync"/>.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>The time between ticks.</summary>
    public TimeSpan Interval => _interval;

    /// <summary>Ticks every <paramref name="interval"/> from now on (the masters' set was reloaded with a new one).</summary>
    public void Change(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        if (interval == _interval) return;
        _interval = interval;
        _timer.Change(interval, interval);
    }

    /// <summary>Completes with true at once when a tick came after <paramref name="seen"/> (a <see cref="Count"/> read
    /// earlier), else at the next tick; with false once the ticker is disposed or <paramref name="cancellationToken"/> is
    /// cancelled (checked at the tick: a stopped loop ends within one interval, and a disposed ticker ends it at once).
    /// Never throws.</summary>
    public async Task<bool> WaitAsync(long seen, CancellationToken cancellationToken)
    {
        // The tick to wait for is read before the count: Tick counts before it swaps, so none falls between the two.
        var next = Volatile.Read(ref _next).Task;
        if (_disposed || cancellationToken.IsCancellationRequested) return false;
        if (Count > seen) return true;
        await next.ConfigureAwait(false);
        return !_disposed && !cancellationToken.IsCancellationRequested;
    }

    /// <summary>As <see cref="WaitAsync(long, CancellationToken)"/>, but completes with true only once
    /// <paramref name="ticks"/> ticks have come since <paramref name="seen"/> (at once when they have already).</summary>
    public async Task<bool> WaitAsync(long seen, int ticks, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ticks, 1);
        while (true)
        {
            if (!await WaitAsync(seen + ticks - 1, cancellationToken).ConfigureAwait(false)) return false;
            if (Count >= seen + ticks) return true;
        }
    }

    private void Tick()
    {
        // Continuations run asynchronously: each loop sends its query from its own thread-pool item, never on the
        // timer's callback, so one slow loop cannot hold the others' samples.
        Interlocked.Increment(ref _count);
        var due = Interlocked.Exchange(ref _next, NewTick());
        due.TrySetResult();
        // A tick that raced Dispose must not leave a waiter on a tick that never comes.
        if (_disposed) Volatile.Read(ref _next).TrySetResult();
    }

    private static TaskCompletionSource NewTick() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Stops the clock and releases every waiter (their <see cref="WaitAsync"/> returns false).</summary>
    public void Dispose()
    {
        _disposed = true;
        _timer.Dispose();
        Volatile.Read(ref _next).TrySetResult();
    }
}
