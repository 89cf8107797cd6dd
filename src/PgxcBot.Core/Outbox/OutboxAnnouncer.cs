using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Operations;

namespace PgxcBot.Core.Outbox;

/// <summary>
/// Turns what happened (an operation's event, an alert) into the outbox entries of every target that wants it,
/// for the producer to write in the transaction of the state change. Pure: no I/O.
/// </summary>
public sealed class OutboxAnnouncer(OutboxRoutes routes, TimeProvider time)
{
    /// <summary>The key of an operation's live message.</summary>
    public static string OperationKey(long operationId) => $"operation/{operationId}";

    public OutboxRoutes Routes => routes;

    /// <summary>Whether <paramref name="origin"/>'s chat gets progress through the outbox (then its adapter need not
    /// show an operation's state itself).</summary>
    public bool Shows(ChatOrigin? origin) =>
        origin is not null && routes.ProgressTargets.Any(r => r.Target == origin.Target && r.Progress == ProgressStyle.Message);

    /// <summary>
    /// The entries for <paramref name="operationEvent"/>: for a target that edits, the whole operation message under
    /// its key (the newest wins; addressed to <paramref name="origin"/>'s message when it is that target's); for a
    /// terminal, the line of the event, if it has one.
    /// </summary>
    public IReadOnlyList<OutboxEntry> ForOperation(OperationEvent operationEvent, ChatOrigin? origin)
    {
        ArgumentNullException.ThrowIfNull(operationEvent);
        var now = time.GetUtcNow();
        var operation = operationEvent.Operation;
        var key = OperationKey(operation.Id);
        var final = operationEvent.Kind is OperationEventKind.Finished or OperationEventKind.Interrupted;
        var entries = new List<OutboxEntry>();
        foreach (var route in routes.ProgressTargets)
        {
            if (route.Progress == ProgressStyle.Message)
            {
                entries.Add(OutboxEntry.New(now, route.Target, OutboxKind.Progress, key, OperationMessageBuilder.Build(operation)) with
                {
                    Address = origin?.Target == route.Target ? origin.Address : null,
                    Final = final,
                });
            }
            else if (OperationProgressLines.For(operationEvent) is { } line)
            {
                entries.Add(OutboxEntry.New(now, route.Target, OutboxKind.Progress, key,
                    ChatMessage.Simple(line, Severity.Info, line)) with { Final = final });
            }
        }
        return entries;
    }

    /// <summary>The entries of an alert, reminder or recovery for every alert target, keyed by its incident.</summary>
    public IReadOnlyList<OutboxEntry> ForAlert(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var now = time.GetUtcNow();
        var kind = notification.Kind switch
        {
            NotificationKind.Raised => OutboxKind.Alert,
            NotificationKind.Reminder => OutboxKind.Reminder,
            _ => OutboxKind.Recovery,
        };
        return routes.AlertTargets
            .Select(target => OutboxEntry.New(now, target, kind, notification.IncidentKey, notification.Message) with { MentionOnCall = notification.MentionOnCall })
            .ToArray();
    }
}
