namespace PgxcBot.Monitoring;

/// <summary>
/// The one clock of the commit watch: every master's loop waits for the same tick, so a round of samples is one
/// timer firing and one burst of queries (their answers arrive together and are handled by threads already awake),
/// instead of a timer per master firing at its own phase and waking the timer thread and a sleeping pool thread each
/// time (16 pairs at 50 ms: 320 timer firings a second become 20).
/// <para>
/// Ticks are counted from the clock (tick n is due <c>n × interval</c> after the start), and the timer fires only for
/// a tick someone waits for: 16 quiet masters sampled every tenth tick cost 2 firings a second, not 20. A firing is
/// not free on the hosts we measured: the timer thread wakes, hands the callbacks to a pool thread, which wakes the
/// timer thread again to re-arm it (a scheduler trace of the idle bot: 92 timer-thread wake-ups a second with the
/// 20 Hz clock, of 470 context switches in the whole process).
/// </para>
/// <para>
/// As with a <see cref="PeriodicTimer"/>, a loop whose sample outlasted a tick samples again at once (missed ticks
/// coalesce into one). Safe for any number of concurrent waiters; <see cref="Dispose"/> releases them all.
/// </para>
/// </summary>
internal sealed class CommitWatchTicker : IDisposable
{
    /// <summary>How early a firing may come and still count as its tick. The system timer counts in whole
    /// milliseconds of a coarse clock, so it can fire a little before the tick's time on the precise clock that
    /// <see cref="Count"/> reads; taking such a firing as its tick saves a re-arm and a second wake-up.</summary>
    private static readonly TimeSpan EarlyFiringTolerance = TimeSpan.FromMilliseconds(5);

    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();

    /// <summary>Waits, each with the count that ends it.</summary>
    private readonly List<(long Target, TaskCompletionSource Due)> _waiters = [];

    private TimeSpan _interval;
    private long _originTimestamp;
    private long _originCount;

    /// <summary>The highest tick a firing delivered (a firing a little early counts as its tick).</summary>
    private long _delivered;

    /// <summary>The tick the timer is set for; <see cref="long.MaxValue"/> when it is not set.</summary>
    private long _armedFor = long.MaxValue;
    private bool _disposed;

    /// <param name="interval">The time between ticks (positive).</param>
    /// <param name="time">The clock (tests use a fake one).</param>
    public CommitWatchTicker(TimeSpan interval, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _interval = interval;
        _originTimestamp = time.GetTimestamp();
        _timer = time.CreateTimer(_ => Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Ticks so far: read it before a sample and pass it to <see cref="WaitAsync(long, int, CancellationToken)"/>.</summary>
    public long Count
    {
        get
        {
            lock (_gate) return CountNow();
        }
    }

    /// <summary>Ticks every <paramref name="interval"/> from now on (the masters' set was reloaded with a new one).</summary>
    public void Change(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        lock (_gate)
        {
            if (interval == _interval || _disposed) return;
            var now = _time.GetTimestamp();
            _originCount = CountAt(now);
            _originTimestamp = now;
            _interval = interval;
            _armedFor = long.MaxValue;
            ArmForEarliest();
        }
    }

    /// <summary>Completes with true at once when a tick came after <paramref name="seen"/> (a <see cref="Count"/> read
    /// earlier), else at the next tick; with false once the ticker is disposed or <paramref name="cancellationToken"/> is
    /// cancelled. Never throws.</summary>
    public Task<bool> WaitAsync(long seen, CancellationToken cancellationToken) => WaitAsync(seen, 1, cancellationToken);

    /// <summary>As <see cref="WaitAsync(long, CancellationToken)"/>, but completes with true only once
    /// <paramref name="ticks"/> ticks have come since <paramref name="seen"/> (at once when they have already), and
    /// with false as soon as <paramref name="cancellationToken"/> is cancelled (a wait may span many ticks).</summary>
    /// <remarks>A wait of several ticks is woken by its last tick only: an idle master's loop waiting 10 ticks used to
    /// wake at every one of them (16 idle masters: 320 wake-ups a second for 32 samples).</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ticks"/> is less than 1.</exception>
    public Task<bool> WaitAsync(long seen, int ticks, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ticks, 1);
        return WaitForAsync(seen + ticks, cancellationToken);
    }

    /// <summary>As <see cref="WaitAsync(long, int, CancellationToken)"/>, but for the first tick after
    /// <paramref name="seen"/> whose count is a multiple of <paramref name="every"/>: loops sampling every tenth tick then
    /// share their ticks whenever they started and however late a sample came back. Waiting <paramref name="every"/>
    /// ticks from each one's own last sample, 16 quiet masters drifted apart (staggered starts, a slow answer) until a
    /// tick in two had a loop waiting for it: a scheduler trace of the idle bot showed the timer thread woken every 50 ms,
    /// where one firing in ten would serve them all.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="every"/> is less than 1.</exception>
    public Task<bool> WaitForMultipleAsync(long seen, int every, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        return WaitForAsync((Math.Max(0, seen) / every + 1) * every, cancellationToken);
    }

    private async Task<bool> WaitForAsync(long target, CancellationToken cancellationToken)
    {
        // Continuations run asynchronously: each loop sends its query from its own thread-pool item, never on the
        // timer's callback, so one slow loop cannot hold the others' samples.
        var due = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_disposed || cancellationToken.IsCancellationRequested) return false;
            if (CountNow() >= target) return true;
            _waiters.Add((target, due));
            Arm(target);
        }
        using (cancellationToken.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), due))
            await due.Task.ConfigureAwait(false);
        lock (_gate)
        {
            if (!cancellationToken.IsCancellationRequested) return !_disposed;
            _waiters.Remove((target, due));
            return false;
        }
    }

    private void Fire()
    {
        List<TaskCompletionSource>? released = null;
        lock (_gate)
        {
            if (_disposed) return;
            var armed = _armedFor;
            _armedFor = long.MaxValue;
            if (armed != long.MaxValue && TimeUntil(armed) <= EarlyFiringTolerance) _delivered = Math.Max(_delivered, armed);
            var count = CountNow();
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Target > count) continue;
                (released ??= []).Add(_waiters[i].Due);
                _waiters.RemoveAt(i);
            }
            ArmForEarliest();
        }
        if (released is null) return;
        foreach (var due in released) due.TrySetResult();
    }

    private long CountNow() => CountAt(_time.GetTimestamp());

    private long CountAt(long timestamp) =>
        Math.Max(_delivered, _originCount + _time.GetElapsedTime(_originTimestamp, timestamp).Ticks / _interval.Ticks);

    /// <summary>The time from now until tick <paramref name="tick"/> is due (negative once it is past).</summary>
    private TimeSpan TimeUntil(long tick) =>
        TimeSpan.FromTicks((tick - _originCount) * _interval.Ticks) - _time.GetElapsedTime(_originTimestamp);

    /// <summary>Sets the timer for <paramref name="tick"/> unless it is set for an earlier one. Under the gate.</summary>
    private void Arm(long tick)
    {
        if (tick >= _armedFor) return;
        _armedFor = tick;
        // Whole milliseconds, rounded up: the system timer truncates, which would fire before the tick.
        var wait = TimeUntil(tick);
        var dueIn = wait <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds));
        _timer.Change(dueIn, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Sets the timer for the earliest tick still waited for, if any. Under the gate.</summary>
    private void ArmForEarliest()
    {
        if (_waiters.Count == 0) return;
        var earliest = long.MaxValue;
        foreach (var (target, _) in _waiters) earliest = Math.Min(earliest, target);
        Arm(earliest);
    }

    /// <summary>Stops the clock and releases every waiter (their <see cref="WaitAsync(long, int, CancellationToken)"/> returns false).</summary>
    public void Dispose()
    {
        TaskCompletionSource[] released;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            released = [.. _waiters.Select(w => w.Due)];
            _waiters.Clear();
        }
        _timer.Dispose();
        foreach (var due in released) due.TrySetResult();
    }
}
