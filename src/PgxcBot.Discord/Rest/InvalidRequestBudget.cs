namespace PgxcBot.Discord.Rest;

/// <summary>
/// Counts 401, 403 and 429 answers (Discord's "invalid requests") in a sliding window, and tells the client how
/// long to hold off when the count reaches the limit, so a bug or an outage never earns the IP a Cloudflare ban.
/// </summary>
internal sealed class InvalidRequestBudget(int limit, TimeSpan window, TimeProvider time)
{
    private readonly Queue<DateTimeOffset> _recent = new();
    private readonly Lock _lock = new();

    public void Record()
    {
        lock (_lock) _recent.Enqueue(time.GetUtcNow());
    }

    /// <summary>Zero when a request may go now, otherwise how long until the oldest invalid request leaves the window.</summary>
    public TimeSpan WaitBeforeNext()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            while (_recent.Count > 0 && now - _recent.Peek() >= window) _recent.Dequeue();
            return _recent.Count < limit ? TimeSpan.Zero : _recent.Peek() + window - now;
        }
    }

    public int Count
    {
        get { lock (_lock) return _recent.Count; }
    }
}
