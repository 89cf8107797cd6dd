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
}
