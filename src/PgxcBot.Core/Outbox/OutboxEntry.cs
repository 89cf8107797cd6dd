using PgxcBot.Core.Messages;

namespace PgxcBot.Core.Outbox;

/// <summary>What an outbox entry says, which decides how its sender delivers it.</summary>
public enum OutboxKind
{
    /// <summary>The state of a live message (an operation's progress): a chat that can edit coalesces the entries
    /// of one <see cref="OutboxEntry.MessageKey"/> and shows only the newest; one that cannot prints each.</summary>
    Progress,
    /// <summary>A new incident: posted in order, paging the on-call role when asked.</summary>
    Alert,
    /// <summary>An incident still lasts or got worse: posted in order, as a reply to its alert.</summary>
    Reminder,
    /// <summary>An incident is over: posted in order, as a reply to its alert.</summary>
    Recovery,
    /// <summary>An answer to a chat command, posted once to the command's address (or the channel), in order with alerts.</summary>
    Reply,
}

/// <summary>How an entry left the outbox.</summary>
public enum OutboxOutcome
{
    /// <summary>The chat accepted it.</summary>
    Delivered,
    /// <summary>A newer entry of the same message was delivered instead (progress coalesced).</summary>
    Superseded,
    /// <summary>It could never be delivered (the chat refused it for good, or there is no message to edit); logged.</summary>
    Dropped,
}

/// <summary>
/// One thing to be said in chat, written to the store's outbox in the same transaction as the state change it
/// reports, and delivered afterwards by the sender of <see cref="Target"/>. Producers (the runbook engine, the
/// monitor) never wait for a chat; the sender retries until the chat takes it (at least once), and a chat that
/// posts uses <see cref="Nonce"/> so that a retried post is not shown twice.
/// </summary>
/// <param name="Id">Assigned by the store, increasing: the order of delivery, and "newer" for coalescing.</param>
/// <param name="Target">Which sender delivers it: <c>discord</c>, <c>console/&lt;runner&gt;</c> (one process's
/// terminal), <c>log</c>.</param>
/// <param name="MessageKey">The live message it updates (<c>operation/12</c>) for progress, or the incident
/// (<c>datanode1/master-lost</c>) an alert, reminder or recovery belongs to; null for none.</param>
/// <param name="Body">What to say, chat-neutral; each adapter renders it.</param>
/// <param name="Nonce">Unique per entry, at most 25 characters (Discord's limit for <c>nonce</c>).</param>
public sealed record OutboxEntry(long Id, DateTimeOffset CreatedAt, string Target, OutboxKind Kind, string? MessageKey, ChatMessage Body, string Nonce)
{
    /// <summary>Where exactly, in the adapter's own terms (Discord: the interaction whose message to edit), as the
    /// adapter wrote it in the <see cref="ChatOrigin"/> of the command; null: wherever the key's message already is.</summary>
    public string? Address { get; init; }

    /// <summary>An operation's outcome (finished or interrupted): what the channel must end up showing.</summary>
    public bool Final { get; init; }

    /// <summary>A critical alert that may page the configured on-call role.</summary>
    public bool MentionOnCall { get; init; }

    /// <summary>Failed delivery attempts so far.</summary>
    public int Attempts { get; init; }

    /// <summary>Not before this (UTC) after a failed attempt; null: at once.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>Why the last attempt failed, for the log and for whoever reads the table.</summary>
    public string? LastError { get; init; }

    /// <summary>When it left the outbox; null while pending.</summary>
    public DateTimeOffset? DoneAt { get; init; }

    /// <summary>How it left the outbox; null while pending.</summary>
    public OutboxOutcome? Outcome { get; init; }

    /// <summary>A new pending entry (id 0 until stored) with a fresh nonce.</summary>
    public static OutboxEntry New(DateTimeOffset now, string target, OutboxKind kind, string? messageKey, ChatMessage body) =>
        new(0, now, target, kind, messageKey, body, NewNonce());

    /// <summary>"pgxc" and 16 random hex digits: 20 characters, unique enough that Discord never confuses two posts.</summary>
    public static string NewNonce() => "pgxc" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
}

/// <summary>
/// What a channel made of a message key: the chat's own message (its id, and where it is), and the newest entry
/// delivered to it, so that an older entry can never overwrite a newer one, even after a restart.
/// </summary>
/// <param name="ExternalId">The chat's id of the message (Discord: the message snowflake), "" when not known yet.</param>
/// <param name="Address">The adapter's own address of the message (Discord: channel, message, and the interaction
/// that may still edit it).</param>
/// <param name="DeliveredId">The <see cref="OutboxEntry.Id"/> last delivered to it.</param>
public sealed record PostedMessage(string Target, string MessageKey, string ExternalId, string? Address, long DeliveredId);

/// <summary>Where a chat command came from: the operation it starts or continues reports its progress there.</summary>
/// <param name="Target">The outbox target of that chat (e.g. <c>discord</c>).</param>
/// <param name="Address">The adapter's own address of the answer (e.g. the interaction to edit), stored with each entry.</param>
public sealed record ChatOrigin(string Target, string Address);
