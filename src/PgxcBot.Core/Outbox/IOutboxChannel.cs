namespace PgxcBot.Core.Outbox;

/// <summary>
/// One chat adapter's side of the outbox: it says one entry. Its sender (one per target) decides what to deliver
/// and when (order, coalescing, retries, back-off); the channel only talks to its chat, and answers with a
/// <see cref="DeliveryResult"/> instead of throwing.
/// </summary>
public interface IOutboxChannel
{
    /// <summary>The outbox target it delivers (<see cref="OutboxEntry.Target"/>).</summary>
    string Target { get; }

    /// <summary>Whether it edits messages in place: then the progress of one key is coalesced (only the newest pending
    /// entry is delivered, never one older than what was already delivered) and each key has its own lane; otherwise
    /// every entry is delivered, all in one ordered lane.</summary>
    bool EditsInPlace { get; }

    /// <summary>Says <paramref name="entry"/>. <paramref name="posted"/> is what the channel made of the entry's key
    /// before (null: nothing yet). Must honour <paramref name="cancellationToken"/> (the sender's time limit).</summary>
    Task<DeliveryResult> DeliverAsync(OutboxEntry entry, PostedMessage? posted, CancellationToken cancellationToken);
}

/// <summary>What became of one delivery attempt.</summary>
public enum DeliveryStatus
{
    /// <summary>Said. <see cref="DeliveryResult.Posted"/>, when set, is the key's message from now on.</summary>
    Delivered,
    /// <summary>Not now (the chat is down, rate-limited, slow): try again, not before <see cref="DeliveryResult.RetryAfter"/>.</summary>
    Retry,
    /// <summary>Not yet, and not a failure (e.g. the adapter has not given its first answer to the interaction):
    /// look again after <see cref="DeliveryResult.RetryAfter"/> without counting an attempt.</summary>
    NotYet,
    /// <summary>Never: the chat refused it for good, or there is nothing to deliver it to. Logged and dropped.</summary>
    Dropped,
}

/// <summary>The answer of <see cref="IOutboxChannel.DeliverAsync"/>.</summary>
/// <param name="Reason">For the log: why it must wait or was dropped.</param>
/// <param name="Expected">A drop that is no failure (the entry's chat has nothing to show it on, e.g. the progress of an
/// operation that was not asked for in that chat): logged quietly.</param>
public sealed record DeliveryResult(DeliveryStatus Status, PostedMessage? Posted = null, TimeSpan RetryAfter = default, string? Reason = null, bool Expected = false)
{
    public static DeliveryResult Done(PostedMessage? posted = null) => new(DeliveryStatus.Delivered, posted);
    public static DeliveryResult Later(string reason, TimeSpan retryAfter = default) => new(DeliveryStatus.Retry, null, retryAfter, reason);
    public static DeliveryResult Wait(TimeSpan retryAfter, string reason) => new(DeliveryStatus.NotYet, null, retryAfter, reason);
    public static DeliveryResult Drop(string reason) => new(DeliveryStatus.Dropped, null, default, reason);
    public static DeliveryResult Nowhere(string reason) => new(DeliveryStatus.Dropped, null, default, reason, Expected: true);
}
