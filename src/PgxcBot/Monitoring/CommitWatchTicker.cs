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

    /// <summary>Waits of several ticks, by the count that ends each (at most one per master).</summary>
    private readonly List<(long Target, TaskCompletionSource Due)> _waiters = [];
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
    /// <paramref name="ticks"/> ticks have come since <paramref name="seen"/> (at once when they have already), and
    /// with false as soon as <paramref name="cancellationToken"/> is cancelled (a wait may span many ticks).</summary>
    /// <remarks>A wait of several ticks is woken by its last tick only: an idle master's loop waiting 10 ticks used to
    /// wake at every one of them (16 idle masters: 320 wake-ups a second for 32 samples).</remarks>
    public async Task<bool> WaitAsync(long seen, int ticks, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ticks, 1);
        if (ticks == 1) return await WaitAsync(seen, cancellationToken).ConfigureAwait(false);
        var target = seen + ticks;
        TaskCompletionSource due;
        lock (_waiters)
        {
            if (_disposed || cancellationToken.IsCancellationRequested) return false;
            if (Count >= target) return true;
            due = NewTick();
            _waiters.Add((target, due));
        }
        using (cancellationToken.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), due))
            await due.Task.ConfigureAwait(false);
        if (cancellationToken.IsCancellationRequested)
        {
            lock (_waiters) _waiters.Remove((target, due));
        }
        return !_disposed && !cancellationToken.IsCancellationRequested;
    }

    private void Tick()
    {
        // Continuations run asynchronously: each loop sends its query from its own thread-pool item, never on the
        // timer's callback, so one slow loop cannot hold the others' samples.
        var count = Interlocked.Increment(ref _count);
        var due = Interlocked.Exchange(ref _next, NewTick());
        due.TrySetResult();
        lock (_waiters)
        {
            // Counted before the scan: a waiter added after the count was read saw it and did not wait.
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Target > count) continue;
                _waiters[i].Due.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
        // A tick that raced Dispose must not leave a waiter on a tick that never comes.
        if (_disposed) Volatile.Read(ref _next).TrySetResult();
    }

    private static TaskCompletionSource NewTick() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Stops the clock and releases every waiter (their <see cref="WaitAsync"/> returns false).</summary>
    public void Dispose()
    {
        lock (_waiters)
        {
            _disposed = true;
            foreach (var (_, due) in _waiters) due.TrySetResult();
            _waiters.Clear();
        }
        _timer.Dispose();
        Volatile.Read(ref _next).TrySetResult();
    }
}
