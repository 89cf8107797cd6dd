using PgxcBot.Core.Messages;
using PgxcBot.Core.Operations;

namespace PgxcBot.Core.Commands;

/// <summary>The answer to a chat command, and whether it was a refusal (chat adapters show refusals to the asker only).</summary>
public sealed record ChatReply(ChatMessage Message, bool IsRefusal)
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
    /// <param name="progress">Told every event of an operation this command starts or continues.</param>
    Task<ChatReply> AnswerAsync(ChatCommand command, Actor actor, CancellationToken cancellationToken, IOperationObserver? progress = null);
}
