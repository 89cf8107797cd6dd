using PgxcBot.Core.Assessment;

namespace PgxcBot.Core.Messages;

/// <summary>A name/value pair shown prominently (Discord: an embed field).</summary>
public sealed record MessageField(string Name, string Value, bool Inline = false);

/// <summary>A small grid (e.g. datanode × coordinator). Rendered monospaced.</summary>
public sealed record MessageTable(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows);

public enum ActionStyle { Primary, Secondary, Success, Danger }

/// <summary>A button: <see cref="Command"/> is what it runs when pressed (e.g. "/pgxc promote datanode1").</summary>
public sealed record ChatAction(string Label, string Command, ActionStyle Style = ActionStyle.Secondary);

/// <summary>
/// The chat-neutral message every adapter renders: the console as plain text, Discord as an embed with
/// buttons. The domain produces these; it never produces strings for one chat system.
/// </summary>
public sealed record ChatMessage(
    string Title,
    Severity Severity,
    IReadOnlyList<MessageField> Fields,
    IReadOnlyList<string> Lines,
    IReadOnlyList<MessageTable> Tables,
    IReadOnlyList<ChatAction> Actions)
{
    public static ChatMessage Simple(string title, Severity severity, params string[] lines) =>
        new(title, severity, [], lines, [], []);

    /// <summary>A shorter form of <see cref="Lines"/> (one line per step of a plan) for a chat that cannot show
    /// them all: it shows this with the whole message attached, never a cut one. Null: cut <see cref="Lines"/>.</summary>
    public IReadOnlyList<string>? Compact { get; init; }

    /// <summary>The name to give the whole message when it is attached as a file ("operation-7-b5811d.txt").</summary>
    public string? AttachmentName { get; init; }

    /// <summary>A picture to draw and attach when the message is sent (null: none). The host fulfils it into
    /// <see cref="Images"/>; a chat that shows no pictures ignores it.</summary>
    public Charts.PictureRequest? Picture { get; init; }

    /// <summary>Drawn pictures that go with the message (Discord: attachments; the console: files, their path printed).</summary>
    public IReadOnlyList<Charts.ChatImage> Images { get; init; } = [];
}
