using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Topology;
using PgxcBot.Discord.Rendering;
using PgxcBot.Discord.Rest;

namespace PgxcBot.Discord.Notifications;

/// <summary>
/// Posts alerts to the configured channel through REST, with the message's actions (e.g. Promote) as buttons.
/// Reminders and the clearing reply to the raising message, so one incident reads as one thread of replies.
/// Critical alerts that ask for it mention the on-call role, and only that role (allowed_mentions). Alerts to
/// one channel keep their order, rate limits or not. A failed post is logged, never thrown at the monitor.
/// </summary>
public sealed partial class DiscordNotifier(DiscordApi api, DiscordSettings settings, ILogger<DiscordNotifier> logger) : INotifier
{
    private readonly ConcurrentDictionary<string, string> _raised = new(StringComparer.Ordinal);

    public async Task NotifyAsync(Notification notification, CancellationToken cancellationToken)
    {
        var mention = notification.MentionOnCall ? settings.OnCallRoleId : null;
        var payload = DiscordMessageRenderer.Render(notification.Message, new RenderOptions(MentionRoleId: mention));
        if (notification.Kind != NotificationKind.Raised && _raised.TryGetValue(notification.IncidentKey, out var original))
            payload["message_reference"] = new JsonObject { ["message_id"] = original, ["fail_if_not_exists"] = false };
        try
        {
            var id = await api.CreateMessageAsync(settings.ChannelId, payload, cancellationToken).ConfigureAwait(false);
            if (notification.Kind == NotificationKind.Raised) _raised[notification.IncidentKey] = id;
            else if (notification.Kind == NotificationKind.Cleared) _raised.TryRemove(notification.IncidentKey, out _);
            LogPosted(logger, notification.Kind.ToString(), notification.IncidentKey, id);
        }
        catch (DiscordApiException e)
        {
            LogFailed(logger, notification.Kind.ToString(), notification.IncidentKey, e.Message);
        }
        catch (HttpRequestException e)
        {
            LogFailed(logger, notification.Kind.ToString(), notification.IncidentKey, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {Kind} {IncidentKey} posted to Discord as message {MessageId}")]
    private static partial void LogPosted(ILogger logger, string kind, string incidentKey, string messageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert {Kind} {IncidentKey} could not be posted to Discord: {Reason}")]
    private static partial void LogFailed(ILogger logger, string kind, string incidentKey, string reason);
}
