namespace PgxcBot.Outbox;

/// <summary>How a sender paces itself. Tests shorten these.</summary>
public sealed class OutboxSenderOptions
{
    /// <summary>How often a sender looks for entries written by other processes (its own wake it at once).</summary>
    public TimeSpan LookEvery { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>One delivery attempt may take this long; then it counts as failed and is retried (a chat that hangs
    /// delays its own messages, never a producer).</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Back-off after the n-th failed attempt of an entry: base × 2^(n-1), at most <see cref="BackoffMax"/>,
    /// and never sooner than the chat's own retry-after.</summary>
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Pending entries read per look.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>Entries (delivered or not) older than this are deleted.</summary>
    public TimeSpan KeepFor { get; set; } = TimeSpan.FromDays(7);
}
