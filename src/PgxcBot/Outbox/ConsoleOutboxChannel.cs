using PgxcBot.Core.Messages;
using PgxcBot.Core.Outbox;

namespace PgxcBot.Outbox;

/// <summary>This process's terminal as an outbox target: <c>console/&lt;runner id&gt;</c>, so that only the process
/// that printed the command prints its progress.</summary>
public sealed record ConsoleTarget(string Name)
{
    public static ConsoleTarget For(string runnerId) => new("console/" + runnerId);
}

/// <summary>
/// Prints the outbox of this process's terminal: a progress entry is its line(s), an alert is a block headed by its
/// kind and incident key (so a reader can follow an incident from raise to clear). A terminal cannot edit, so the
/// sender delivers every entry, in order.
/// </summary>
public sealed class ConsoleOutboxChannel(TextWriter writer, ConsoleTarget target) : IOutboxChannel
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Target => target.Name;

    public bool EditsInPlace => false;

    public async Task<DeliveryResult> DeliverAsync(OutboxEntry entry, PostedMessage? posted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var text = entry.Kind == OutboxKind.Progress
            ? string.Concat(entry.Body.Lines.Select(l => l + Environment.NewLine))
            : Heading(entry) + PlainTextRenderer.Render(entry.Body);
        // A terminal shows no picture: it is written to a file and its path printed.
        foreach (var line in await Pictures.PictureFiles.SaveAsync(entry.Body, Pictures.PictureFiles.DefaultDirectory, cancellationToken).ConfigureAwait(false))
            text += line + Environment.NewLine;
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
        return DeliveryResult.Done();
    }

    private static string Heading(OutboxEntry entry)
    {
        var kind = entry.Kind switch
        {
            OutboxKind.Alert => "ALERT",
            OutboxKind.Reminder => "UPDATE",
            OutboxKind.Recovery => "CLEARED",
            _ => "REPLY",
        };
        return $"--- {kind} {entry.MessageKey}{(entry.MentionOnCall ? " @on-call" : "")}{Environment.NewLine}";
    }
}
