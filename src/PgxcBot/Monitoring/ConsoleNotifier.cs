using PgxcBot.Core.Messages;

namespace PgxcBot.Monitoring;

/// <summary>Prints notifications as plain text (the console and the lab), one block per notification,
/// headed by its kind and incident key so a reader can follow an incident from raise to clear.</summary>
public sealed class ConsoleNotifier(TextWriter writer) : INotifier
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task NotifyAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var kind = notification.Kind switch
        {
            NotificationKind.Raised => "ALERT",
            NotificationKind.Reminder => "UPDATE",
            _ => "CLEARED",
        };
        var text = $"--- {kind} {notification.IncidentKey}{(notification.MentionOnCall ? " @on-call" : "")}{Environment.NewLine}" +
                   PlainTextRenderer.Render(notification.Message);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await writer.WriteAsync(text.AsMemory(), cancellationToken).ConfigureAwait(false);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}
