using PgxcBot.Core.Messages;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Outbox;

namespace PgxcBot.Core.Commands;

/// <summary>The answer to a chat command, and whether it was a refusal (chat adapters show refusals to the asker only).</summary>
/// <param name="ShownByOutbox">The operation's live message in the asker's chat shows this answer already, through
/// the outbox: the adapter gives its first answer to the interaction (within its deadline) but need not repeat it.</param>
public sealed record ChatReply(ChatMessage Message, bool IsRefusal, bool ShownByOutbox = false)
{
    public static ChatReply Answer(ChatMessage message) => new(message, false);
    public static ChatReply Refusal(ChatMessage message) => new(message, true);
}

/// <summary>
/// The seam between chat adapters and the command engine: the adapter parses with <see cref="Parser"/> and
/// hands the command over for the person who typed or clicked it.
/// </summary>
public interface IChatCommandHandler
{
    /// <summary>The one command parser, knowing the configured datanodes.</summary>
    CommandParser Parser { get; }

    /// <summary>Answers <paramref name="command"/> for <paramref name="actor"/>; never throws for a failed command.</summary>
    /// <param name="origin">Where the command came from: the operation it starts or continues shows its progress there.</param>
    Task<ChatReply> AnswerAsync(ChatCommand command, Actor actor, CancellationToken cancellationToken, ChatOrigin? origin = null);
}
