using Microsoft.Extensions.Logging;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Commands;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Topology;
using PgxcBot.Hosting;

namespace PgxcBot.Chat;

/// <summary>
/// Answers chat commands with chat-neutral messages, for whoever typed them. The console and the chat
/// adapters hand it the same parsed commands. It never throws for a failed command: the failure is the answer.
/// </summary>
public sealed partial class ChatCommandHandler(
    ClusterTopology topology,
    IClusterStatusSource status,
    OperationService operations,
    IOperationStore operationStore,
    IPairStateStore pairStates,
    ILogger<ChatCommandHandler> logger,
    IRefusalLog? refusals = null,
    TimeProvider? time = null,
    PgxcBot.Core.Monitoring.IMaintenanceStore? maintenance = null,
    PgxcBot.Core.Monitoring.IMonitorStateStore? incidents = null,
    IOutboxStore? outbox = null,
    OutboxRoutes? routes = null,
    PgxcBot.Core.Timeline.ITimelineStore? timelines = null,
    PgxcBot.Pictures.ChatPictures? pictures = null,
    PgxcBot.Core.Replicas.IReplicaRole? replicas = null) : IChatCommandHandler
{
    public CommandParser Parser { get; } = new(topology.Datanodes.Select(d => d.Name).ToArray());

    /// <summary>Parses <paramref name="line"/> and answers it; a parse error is answered with what is valid.</summary>
    public async Task<ChatMessage> HandleLineAsync(string line, Actor actor, CancellationToken cancellationToken, ChatOrigin? origin = null)
    {
        var parsed = Parser.Parse(line);
        if (parsed.Command is null)
            return ChatMessage.Simple("Not understood", Severity.Warning, parsed.Error!);
        return await HandleAsync(parsed.Command, actor, cancellationToken, origin);
    }

    /// <param name="origin">Where the command came from: an operation it starts or continues shows its progress there.</param>
    public async Task<ChatMessage> HandleAsync(ChatCommand command, Actor actor, CancellationToken cancellationToken, ChatOrigin? origin = null) =>
        (await AnswerAsync(command, actor, cancellationToken, origin)).Message;

    /// <inheritdoc />
    public async Task<ChatReply> AnswerAsync(ChatCommand command, Actor actor, CancellationToken cancellationToken, ChatOrigin? origin = null)
    {
        try
        {
            return command switch
            {
                HelpCommand { Topic: null } => ChatReply.Answer(HelpMessageBuilder.Build()),
                HelpCommand help => ChatReply.Answer(HelpMessageBuilder.Build(CommandCatalogue.Find(help.Topic)!)),
                StatusCommand s => ChatReply.Answer(await StatusAsync(s, cancellationToken)),
                PlanCommand plan => ChatReply.Answer(await PreviewAsync(plan, cancellationToken)),
                OperationCommand o => await OpAsync(operations.RequestAsync(o.Kind.Name, o.Datanode, o.Flags, actor, cancellationToken, origin),
                    $"{o.Kind.Name} {o.Datanode}", o.Datanode, null, actor, cancellationToken),
                ApproveCommand a => await OpAsync(operations.ApproveAsync(a.OperationId, a.PlanNonce, actor, a.Acknowledgements, cancellationToken, origin),
                    $"approve {a.OperationId}", null, a.OperationId, actor, cancellationToken),
                CancelCommand c => await OpAsync(operations.CancelAsync(c.OperationId, actor, cancellationToken, origin, c.Abandon), $"cancel {c.OperationId}", null, c.OperationId, actor, cancellationToken),
                ResumeCommand r => await OpAsync(operations.ResumeAsync(r.OperationId, actor, cancellationToken, origin), $"resume {r.OperationId}", null, r.OperationId, actor, cancellationToken),
                HistoryCommand h => ChatReply.Answer(await HistoryAsync(h, cancellationToken)),
                TimelineCommand t => ChatReply.Answer(await TimelineAsync(t, cancellationToken)),
                MaintenanceCommand m => await MaintenanceAsync(m, actor, cancellationToken, origin),
                SilenceCommand s => await SilenceAsync(s, actor, cancellationToken, origin),
                ApproveMuteCommand a => await ApproveMuteAsync(a, actor, cancellationToken, origin),
                AckCommand a => await AckAsync(a, actor, cancellationToken),
                UnackCommand u => await UnackAsync(u, actor, cancellationToken),
                _ => ChatReply.Refusal(HelpMessageBuilder.NotYetAvailable(command.Spec)),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCommandFailed(logger, command.Spec.Name, e);
            return ChatReply.Answer(ChatMessage.Simple($"{command.Spec.Name} failed", Severity.Critical,
                $"The command could not be completed: {e.Message}",
                "/pgxc history shows what the store recorded; the bot's log says more. Check both before trying again."));
        }
    }

    private async Task<ChatMessage> StatusAsync(StatusCommand command, CancellationToken cancellationToken)
    {
        var current = await status.GetAsync(cancellationToken);
        var message = StatusMessageBuilder.Build(current.Assessment, current.States, onlyDatanode: command.Datanode);
        var muted = await MaintenanceStatusAsync(command.Datanode, cancellationToken);
        if (muted.Count > 0) message = message with { Lines = [.. message.Lines, "", "Maintenance, silences and owners:", .. muted] };
        // Two replicas on a shared store: which one is active, since when, each one's last heartbeat (none with SQLite).
        if (replicas is not null)
            message = message with { Lines = [.. message.Lines, "", "Bot " + await PgxcBot.Core.Replicas.ReplicaRoleExtensions.DescribeAsync(replicas, time ?? TimeProvider.System, cancellationToken)] };
        if (!command.Chart) return message;
        if (pictures is null) return message with { Lines = [.. message.Lines, "", "(No picture: this bot has no store of lag samples.)"] };
        return await pictures.AttachAsync(message with
        {
            Picture = new PgxcBot.Core.Charts.PictureRequest(PgxcBot.Core.Charts.PictureKind.Lag, command.Datanode, TimeSpan.FromHours(1)),
        }, cancellationToken);
    }

    /// <summary>Every stored event of the window, oldest first, with the timeline picture.</summary>
    private async Task<ChatMessage> TimelineAsync(TimelineCommand command, CancellationToken cancellationToken)
    {
        if (timelines is null)
            return ChatMessage.Simple("Timeline unavailable", Severity.Warning, "This bot runs without a store, so it has no timeline to show.",
                "Next: /pgxc history (kept in memory) or run the bot with store.path set.");
        var now = (time ?? TimeProvider.System).GetUtcNow();
        var timeline = PgxcBot.Core.Timeline.TimelineBuilder.Build(
            await timelines.ReadAsync(command.Datanode, now - command.Since, cancellationToken), command.Datanode, now - command.Since, now);
        var message = PgxcBot.Core.Timeline.TimelineMessageBuilder.Build(timeline, command.SinceText);
        if (pictures is null || timeline.Events.Count == 0) return message;
        try
        {
            return message with { Images = [pictures.Timeline(timeline)] };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogPictureFailed(logger, e);
            return message with { Lines = [.. message.Lines, $"(The timeline picture could not be drawn: {e.Message})"] };
        }
    }

    private async Task<ChatMessage> PreviewAsync(PlanCommand command, CancellationToken cancellationToken)
    {
        var plan = await operations.PreviewAsync(command.Operation, command.Datanode, [], cancellationToken);
        return plan.IsRefused
            ? ChatMessage.Simple($"Plan: {command.Operation} {command.Datanode}: would be refused", Severity.Warning,
                plan.Refusal!, "Next: " + plan.NextStep)
            : OperationMessageBuilder.Preview(plan.Runbook!);
    }

    private async Task<ChatMessage> HistoryAsync(HistoryCommand command, CancellationToken cancellationToken)
    {
        var past = await operationStore.GetHistoryAsync(command.Datanode, command.Limit, cancellationToken);
        var transitions = command.Datanode is null ? [] : await pairStates.GetHistoryAsync(command.Datanode, command.Limit, cancellationToken);
        IReadOnlyList<OperationRefusal> refused = refusals is null ? [] : await refusals.GetAsync(command.Datanode, command.Limit, cancellationToken);
        var history = OperationMessageBuilder.History(past, command.Datanode, transitions, refused);
        var windows = maintenance is null ? [] : await maintenance.GetMuteHistoryAsync(command.Datanode, command.Limit, cancellationToken);
        return windows.Count == 0 ? history : history with { Lines = [.. history.Lines, "Maintenance windows and silences:", .. PgxcBot.Core.Monitoring.MaintenanceMessages.HistoryLines(windows)] };
    }

    /// <summary>The answer to an operation command; a refusal is also kept for history (who, what, why, when).</summary>
    private async Task<ChatReply> OpAsync(Task<OperationReply> call, string what, string? datanode, long? operationId, Actor actor, CancellationToken cancellationToken)
    {
        var reply = await call;
        if (reply.IsRefused && refusals is not null)
        {
            try
            {
                // A refused approve/cancel/resume names an operation, not a datanode: the timeline of the pair must still show it.
                datanode ??= reply.Operation?.Datanode;
                if (datanode is null && operationId is { } id) datanode = (await operationStore.GetAsync(id, cancellationToken))?.Datanode;
                await refusals.RecordAsync(new OperationRefusal((time ?? TimeProvider.System).GetUtcNow(), actor, what,
                    datanode, operationId, reply.Refusal!, reply.NextStep), cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogRefusalNotKept(logger, what, e);
            }
        }
        return Reply(reply, what);
    }

    private static ChatReply Reply(OperationReply reply, string what)
    {
        if (reply.IsRefused) return ChatReply.Refusal(OperationMessageBuilder.Refused(reply, what)) with { ShownByOutbox = reply.Announced };
        var message = OperationMessageBuilder.Build(reply.Operation!);
        // A chat whose live message shows the operation (through the outbox) does not repeat this answer: the note
        // ("waiting for approval until ...", "the pair's state is corrected at the next poll") is for the terminal.
        var answer = ChatReply.Answer(reply.Note is null ? message : message with { Lines = [.. message.Lines, "", reply.Note] });
        return answer with { ShownByOutbox = reply.Announced };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The refusal of {Command} could not be kept for history")]
    private static partial void LogRefusalNotKept(ILogger logger, string command, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The timeline picture could not be drawn; the timeline goes without it")]
    private static partial void LogPictureFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Chat command {Command} failed")]
    private static partial void LogCommandFailed(ILogger logger, string command, Exception exception);
}
