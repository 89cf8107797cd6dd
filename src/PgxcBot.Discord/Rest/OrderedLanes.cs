namespace PgxcBot.Discord.Rest;

/// <summary>
/// First-in, first-out lanes: requests with the same key (a channel, or one interaction's token) run one after
/// another in the order they were submitted, however long a rate limit holds one of them. That is what keeps
/// a 429 storm from reordering progress edits or alerts. Different keys run in parallel.
/// </summary>
internal sealed class OrderedLanes
{
    private readonly Dictionary<string, Task> _tails = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public async Task<T> RunAsync<T>(string key, Func<Task<T>> work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previous;
        lock (_lock)
        {
            previous = _tails.GetValueOrDefault(key) ?? Task.CompletedTask;
            _tails[key] = done.Task;
        }
        try
        {
            // The previous request's failure is its caller's business; this one still goes, in order.
            await previous.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                .ConfigureAwait(false);
            return await work().ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                if (_tails.TryGetValue(key, out var tail) && tail == done.Task) _tails.Remove(key);
            }
            done.SetResult();
        }
    }

    /// <summary>How many lanes have work queued (for tests: lanes must not leak).</summary>
    public int Count
    {
        get { lock (_lock) return _tails.Count; }
    }
}
