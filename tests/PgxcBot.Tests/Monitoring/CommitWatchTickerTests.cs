using PgxcBot.Monitoring;

namespace PgxcBot.Tests.Monitoring;

/// <summary>The commit watch's one clock: every loop waits for the same tick; a loop that missed ticks samples
/// again at once (they coalesce); dispose and cancellation release the waiters.</summary>
public sealed class CommitWatchTickerTests
{
    private readonly FakeTimeProvider _time = new(ClusterBuilder.Now);

    [Fact]
    public async Task Every_waiter_is_released_by_the_same_tick_and_not_before()
    {
        using var ticker = new CommitWatchTicker(TimeSpan.FromMilliseconds(50), _time);
        var waits = Enumerable.Range(0, 16).Select(_ => ticker.WaitAsync(ticker.Count, CancellationToken.None)).ToArray();
        _time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.All(waits, w => Assert.False(w.IsCompleted));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.All(await Task.WhenAll(waits), Assert.True);
        Assert.Equal(1, ticker.Count);
    }

    [Fact]
    public async Task A_loop_whose_sample_outlasted_ticks_goes_again_at_once_and_then_waits_for_the_next()
    {
        using var ticker = new CommitWatchTicker(TimeSpan.FromMilliseconds(50), _time);
        var seen = ticker.Count;
        _time.Advance(TimeSpan.FromMilliseconds(130)); // two ticks during a slow sample
        Assert.True(await ticker.WaitAsync(seen, CancellationToken.None));

        var next = ticker.WaitAsync(ticker.Count, CancellationToken.None);
        Assert.False(next.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.True(await next);
    }

    [Fact]
    public async Task A_loop_that_asks_for_several_ticks_is_released_at_the_last_of_them_or_at_once_when_they_came_already()
    {
        using var ticker = new CommitWatchTicker(TimeSpan.FromMilliseconds(50), _time);
        var wait = ticker.WaitAsync(ticker.Count, 4, CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(50));
            Assert.False(wait.IsCompleted, $"released after {i + 1} tick(s) of 4");
        }
        _time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(4, ticker.Count);

        // Four ticks during a slow sample: the next one is due at once.
        var seen = ticker.Count;
        _time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True(await ticker.WaitAsync(seen, 4, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ticker.WaitAsync(seen, 0, CancellationToken.None));
    }

    [Fact]
    public async Task A_wait_of_many_ticks_ends_at_once_when_cancelled_or_disposed_and_others_still_get_their_tick()
    {
        var ticker = new CommitWatchTicker(TimeSpan.FromMilliseconds(50), _time);
        using var stop = new CancellationTokenSource();
        var stopped = ticker.WaitAsync(ticker.Count, 10, stop.Token);
        var other = ticker.WaitAsync(ticker.Count, 2, CancellationToken.None);
        Assert.False(stopped.IsCompleted);
        // The stop needs no tick: a loop waiting 500 ms for its next sample ends now.
        await stop.CancelAsync();
        Assert.False(await stopped.WaitAsync(TimeSpan.FromSeconds(10)));
        _time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.False(other.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.True(await other.WaitAsync(TimeSpan.FromSeconds(10)));

        var waiting = ticker.WaitAsync(ticker.Count, 10, CancellationToken.None);
        ticker.Dispose();
        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(await ticker.WaitAsync(0, 10, CancellationToken.None));
    }

    [Fact]
    public async Task Dispose_releases_the_waiters_with_false_and_a_cancelled_loop_ends_at_the_tick()
    {
        var ticker = new CommitWatchTicker(TimeSpan.FromMilliseconds(50), _time);
        using var stop = new CancellationTokenSource();
        var cancelled = ticker.WaitAsync(ticker.Count, stop.Token);
        await stop.CancelAsync();
        _time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.False(await cancelled);

        var waiting = ticker.WaitAsync(ticker.Count, CancellationToken.None);
        ticker.Dispose();
        Assert.False(await waiting);
        Assert.False(await ticker.WaitAsync(0, CancellationToken.None));
    }

    [Fact]
    public async Task A_new_interval_takes_effect_from_now()
    {
        using var ticker = new CommitWatchTicker(TimeSpan.FromMilliseconds(50), _time);
        ticker.Change(TimeSpan.FromMilliseconds(200));
        var wait = ticker.WaitAsync(ticker.Count, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(150));
        Assert.False(wait.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.True(await wait);
        Assert.Throws<ArgumentOutOfRangeException>(() => ticker.Change(TimeSpan.Zero));
    }
    [Fact]
    public async Task The_timer_fires_only_for_the_ticks_someone_waits_for()
    {
        var clock = new FiringClock(_time, early: TimeSpan.Zero);
        using var ticker = new CommitWatchTicker(TimeSpan.FromMilliseconds(50), clock);
        // Nobody waits: the count goes on with the clock, the timer never fires.
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(20, ticker.Count);
        Assert.Equal(0, clock.Firings);

        // Sixteen quiet masters, each sampled every tenth tick: one firing for all of them, at the tenth tick.
        var seen = ticker.Count;
        var quiet = Enumerable.Range(0, 16).Select(_ => ticker.WaitAsync(seen, 10, CancellationToken.None)).ToArray();
        for (var step = 0; step < 49; step++) _time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.All(quiet, w => Assert.False(w.IsCompleted));
        Assert.Equal(0, clock.Firings);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.All(await Task.WhenAll(quiet).WaitAsync(TimeSpan.FromSeconds(10)), Assert.True);
        Assert.Equal(1, clock.Firings);
        Assert.Equal(seen + 10, ticker.Count);
    }

    [Fact]
    public async Task Quiet_loops_that_fell_out_of_step_share_their_ticks_again()
    {
        var clock = new FiringClock(_time, early: TimeSpan.Zero);
        using var ticker = new CommitWatchTicker(TimeSpan.FromMilliseconds(50), clock);
        // Two quiet masters whose last samples were taken at ticks 3 and 7 (a late start, a slow answer): counted from
        // their own samples they would wake at ticks 13 and 17, two firings every ten ticks for ever.
        _time.Advance(TimeSpan.FromMilliseconds(150));
        var first = ticker.WaitForMultipleAsync(ticker.Count, 10, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(200));
        var second = ticker.WaitForMultipleAsync(ticker.Count, 10, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(149));
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await first.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(10, ticker.Count);
        Assert.Equal(1, clock.Firings);

        // From the shared tick, both wait the full ten ticks, and again with one firing; a busy master waits one tick.
        var both = new[] { ticker.WaitForMultipleAsync(10, 10, CancellationToken.None), ticker.WaitForMultipleAsync(10, 10, CancellationToken.None) };
        var busy = ticker.WaitForMultipleAsync(10, 1, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.True(await busy.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.All(both, w => Assert.False(w.IsCompleted));
        _time.Advance(TimeSpan.FromMilliseconds(450));
        Assert.All(await Task.WhenAll(both).WaitAsync(TimeSpan.FromSeconds(10)), Assert.True);
        Assert.Equal(3, clock.Firings);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ticker.WaitForMultipleAsync(10, 0, CancellationToken.None));
    }

    [Fact]
    public async Task A_wait_for_the_next_tick_brings_the_timer_forward_and_the_long_wait_keeps_its_tick()
    {
        var clock = new FiringClock(_time, early: TimeSpan.Zero);
        using var ticker = new CommitWatchTicker(TimeSpan.FromMilliseconds(50), clock);
        var quiet = ticker.WaitAsync(ticker.Count, 10, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(120));
        // A master that starts writing samples at every tick again: its next tick is at 150 ms.
        var busy = ticker.WaitAsync(ticker.Count, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(29));
        Assert.False(busy.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await busy.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(quiet.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(349));
        Assert.False(quiet.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await quiet.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, clock.Firings);
    }

    [Fact]
    public async Task A_firing_a_little_early_counts_as_its_tick_and_one_much_too_early_waits_for_it()
    {
        // The system timer counts whole milliseconds of a coarse clock: a firing 3 ms early is the tick.
        var slightly = new FiringClock(_time, early: TimeSpan.FromMilliseconds(3));
        using (var ticker = new CommitWatchTicker(TimeSpan.FromMilliseconds(50), slightly))
        {
            var seen = ticker.Count;
            var wait = ticker.WaitAsync(seen, CancellationToken.None);
            _time.Advance(TimeSpan.FromMilliseconds(47));
            Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(seen + 1, ticker.Count);
            // The count never goes back when the clock reaches the tick, nor counts it twice.
            _time.Advance(TimeSpan.FromMilliseconds(3));
            Assert.Equal(seen + 1, ticker.Count);
            Assert.Equal(1, slightly.Firings);
        }

        // A firing 20 ms early is not the tick: the timer is set again for what is left.
        var early = new FiringClock(_time, early: TimeSpan.FromMilliseconds(20));
        using (var ticker = new CommitWatchTicker(TimeSpan.FromMilliseconds(50), early))
        {
            var seen = ticker.Count;
            var wait = ticker.WaitAsync(seen, CancellationToken.None);
            _time.Advance(TimeSpan.FromMilliseconds(30));
            Assert.Equal(1, early.Firings);
            Assert.False(wait.IsCompleted);
            _time.Advance(TimeSpan.FromMilliseconds(20));
            Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(seen + 1, ticker.Count);
        }
    }

    /// <summary>A fake clock whose timers count their firings and may fire <c>early</c> by a fixed time.</summary>
    private sealed class FiringClock(FakeTimeProvider time, TimeSpan early) : TimeProvider
    {
        private int _firings;

        public int Firings => Volatile.Read(ref _firings);

        public override long GetTimestamp() => time.GetTimestamp();

        public override long TimestampFrequency => time.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => time.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new EarlyTimer(early);
            timer.Inner = time.CreateTimer(s => { Interlocked.Increment(ref _firings); callback(s); }, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            timer.Change(dueTime, period);
            return timer;
        }

        private sealed class EarlyTimer(TimeSpan early) : ITimer
        {
            public ITimer Inner { get; set; } = null!;

            public bool Change(TimeSpan dueTime, TimeSpan period) =>
                Inner.Change(dueTime == Timeout.InfiniteTimeSpan || dueTime <= early ? dueTime : dueTime - early, period);

            public void Dispose() => Inner.Dispose();

            public ValueTask DisposeAsync() => Inner.DisposeAsync();
        }
    }
}
