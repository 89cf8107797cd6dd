namespace PgxcBot.Core.Messages;

public enum NotificationKind
{
    /// <summary>A new incident (or something worth saying once, such as an automatic switch to async).</summary>
    Raised,
    /// <summary>The incident still lasts.</summary>
    Reminder,
    /// <summary>The incident is over.</summary>
    Cleared,
}

/// <summary>
/// An alert or an announcement for the team's channel. <see cref="IncidentKey"/> ties a raise, its reminders
/// and its clearing together, so a chat adapter can thread or edit them. The monitor stores it in the chat
/// outbox with its round (<see cref="Outbox.OutboxAnnouncer"/>); a sender per chat delivers it.
/// </summary>
/// <param name="MentionOnCall">Critical alerts may page the configured on-call role.</param>
public sealed record Notification(string IncidentKey, NotificationKind Kind, ChatMessage Message, bool MentionOnCall = false);
