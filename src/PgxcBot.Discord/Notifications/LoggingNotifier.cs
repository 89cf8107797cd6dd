using Microsoft.Extensions.Logging;
using PgxcBot.Core.Messages;

namespace PgxcBot.Discord.Notifications;

/// <summary>Without a discord section, alerts still reach the log rather than nowhere.</summary>
public sealed partial class LoggingNotifier(ILogger<LoggingNotifier> logger) : INotifier
{
    public Task NotifyAsync(Notification notification, CancellationToken cancellationToken)
    {
        LogAlert(logger, notification.Kind.ToString(), notification.IncidentKey, PlainTextRenderer.Render(notification.Message));
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {Kind} {IncidentKey}: {Text}")]
    private static partial void LogAlert(ILogger logger, string kind, string incidentKey, string text);
}
