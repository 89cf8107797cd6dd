using Microsoft.Extensions.Logging;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Commands;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Topology;
using PgxcBot.Hosting;

namespace PgxcBot.Chat;

/// <summary>
/// Answers chat commands with chat-neutral messages. The console uses it now; a chat adapter (Discord)
/// will hand it the same parsed commands. It never throws for a failed command: the failure is the answer.
/// </summary>
public sealed partial class ChatCommandHandler(
    ClusterTopology topology,
    IClusterStatusSource status,
    ILogger<ChatCommandHandler> logger)
{
    public CommandParser Parser { get; } = new(topology.Datanodes.Select(d => d.Name).ToArray());

    /// <summary>Parses <paramref name="line"/> and answers it; a parse error is answered with what is valid.</summary>
    public async Task<ChatMessage> HandleLineAsync(string line, CancellationToken cancellationToken)
    {
        var parsed = Parser.Parse(line);
        if (parsed.Command is null)
            return ChatMessage.Simple("Not understood", Severity.Warning, parsed.Error!);
        return await HandleAsync(parsed.Command, cancellationToken);
    }

    public async Task<ChatMessage> HandleAsync(ChatCommand command, CancellationToken cancellationToken)
    {
        switch (command)
        {
            case HelpCommand { Topic: null }:
                return HelpMessageBuilder.Build();
            case HelpCommand help:
                return HelpMessageBuilder.Build(CommandCatalogue.Find(help.Topic)!);
            case StatusCommand statusCommand:
                try
                {
                    var assessment = await status.GetAsync(cancellationToken);
                    return StatusMessageBuilder.Build(assessment, onlyDatanode: statusCommand.Datanode);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogStatusFailed(logger, e);
                    return ChatMessage.Simple("Status failed", Severity.Critical,
                        $"The status could not be taken: {e.Message}",
                        "The cluster was not changed. Check the bot's log; run status again.");
                }
            default:
                return HelpMessageBuilder.NotYetAvailable(command.Spec);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Status command failed")]
    private static partial void LogStatusFailed(ILogger logger, Exception exception);
}
