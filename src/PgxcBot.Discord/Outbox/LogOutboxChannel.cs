using Microsoft.Extensions.Logging;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Outbox;

namespace PgxcBot.Discord.Outbox;

/// <summary>Without a discord section, <c>pgxcbot serve</c> delivers its alerts to the log rather than nowhere (target <c>log</c>).</summary>
public sealed partial class LogOutboxChannel(ILogger<LogOutboxChannel> logger) : IOutboxChannel
{
    public const string TargetName = "log";

    public string Target => TargetName;

    public bool EditsInPlace => false;

    public Task<DeliveryResult> DeliverAsync(OutboxEntry entry, PostedMessage? posted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        LogAlert(logger, entry.Kind.ToString(), entry.MessageKey ?? "", PlainTextRenderer.Render(entry.Body));
        return Task.FromResult(DeliveryResult.Done());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {Kind} {IncidentKey}: {Text}")]
    private static partial void LogAlert(ILogger logger, string kind, string incidentKey, string text);
}
