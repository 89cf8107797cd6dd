using System.Diagnostics;

namespace PgxcBot.IntegrationTests.Support;

/// <summary>Polling with a deadline: the only way these tests wait for something to happen.</summary>
public static class Poll
{
    /// <summary>Calls <paramref name="attempt"/> until <paramref name="done"/> holds for its result, and
    /// returns that result; fails with the last result described when <paramref name="timeout"/> passes.
    /// Attempts are <paramref name="every"/> apart (100 ms unless given: a moment to catch needs less).</summary>
    public static Task<T> UntilAsync<T>(Func<Task<T>> attempt, Func<T, bool> done, TimeSpan timeout,
        string what, CancellationToken cancellationToken, TimeSpan? every = null) =>
        UntilAsync(attempt, done, timeout, () => what, cancellationToken, every);

    /// <summary>As the other overload, with <paramref name="what"/> described only on failure: for a description that
    /// reads what happened meanwhile (a process's log, the last answer seen).</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> attempt, Func<T, bool> done, TimeSpan timeout,
        Func<string> what, CancellationToken cancellationToken, TimeSpan? every = null)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var result = await attempt();
            if (done(result)) return result;
            if (Stopwatch.GetElapsedTime(started) > timeout)
                throw new TimeoutException($"Gave up after {timeout.TotalSeconds:0} s waiting for {what()}; last result: {result}");
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }
}
