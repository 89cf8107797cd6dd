using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Commands;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Replicas;
using PgxcBot.Discord.Outbox;
using PgxcBot.Discord.Rendering;
using PgxcBot.Discord.Rest;

namespace PgxcBot.Discord.Interactions;

/// <summary>Timing of first answers. Discord invalidates an interaction not answered within 3 s.</summary>
public sealed class InteractionTimings
{
    /// <summary>How long a command may take before the first answer becomes a deferral.</summary>
    public TimeSpan AnswerAtOnceWithin { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Turns interactions (from the gateway or the HTTP endpoint alike) into chat commands for the one parser and
/// handler, with the person who typed or clicked as the actor, and sends the answers: at once when quick,
/// otherwise deferred then edited; refusals to the asker only. Interactions are handled in the background, so
/// the gateway's receive loop never waits.
/// <para>
/// An operation's live message is not drawn here: the command carries its origin (this interaction's message) to
/// the engine, which writes each state to the outbox, and the outbox sender edits the message (coalesced, in
/// order, after this dispatcher's first answer). The dispatcher only gives that first answer, within Discord's
/// 3 seconds: a deferral, so that every state the message shows comes from the outbox, in order.
/// </para>
/// <para>
/// Two replicas on a shared store (<paramref name="replicas"/> set): in HTTP-interactions mode the load balancer may
/// hand an interaction to the standby. The standby answers what only reads (<see cref="CommandSpec.ReadOnly"/>:
/// status, plan, history, timeline, help, autocomplete) from a fresh observation and the shared store, and refuses
/// everything that acts (a command, a button) to the asker alone, at once, naming the active replica, before the
/// handler sees it: a standby never starts, approves or changes anything, it does not even try (the store's fence
/// would refuse its writes anyway). Refused rather than forwarded to the active replica: the answer is immediate and
/// cannot half-happen (a forward that times out after the active took it leaves the asker unsure whether the promote
/// runs), it needs no replica-to-replica network path or advertised address, and while no replica is active (the
/// seconds of a takeover) a forward has nowhere to go. The retry, a few seconds later, reaches the active replica
/// (a load balancer that prefers it, see the Discord README) or this one once it has taken over.
/// </para>
/// </summary>
public sealed partial class InteractionDispatcher(
    IChatCommandHandler handler,
    DiscordApi api,
    IReadOnlyList<string> datanodes,
    InteractionTimings timings,
    TimeProvider time,
    ILogger<InteractionDispatcher> logger,
    InteractionResponses? responses = null,
    IReplicaRole? replicas = null)
{
    /// <summary>How long a standby waits for the shared store to name the active replica before it answers without the
    /// name: Discord's first-answer deadline is 3 s.</summary>
    public static readonly TimeSpan StandbyStatusWithin = TimeSpan.FromSeconds(1);

    private readonly InteractionResponses _responses = responses ?? new InteractionResponses();

    private readonly ConcurrentDictionary<Task, byte> _running = new();

    /// <summary>Starts handling <paramref name="interaction"/> in the background and returns at once.</summary>
    public void Start(Interaction interaction, CancellationToken cancellationToken)
    {
        var task = Task.Run(() => HandleAsync(interaction, cancellationToken), CancellationToken.None);
        _running.TryAdd(task, 0);
        _ = task.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
    }

    /// <summary>Waits (up to <paramref name="limit"/>) for interactions still being answered, e.g. at shutdown.</summary>
    public async Task DrainAsync(TimeSpan limit)
    {
        var all = Task.WhenAll(_running.Keys);
        await Task.WhenAny(all, Task.Delay(limit, time)).ConfigureAwait(false);
    }

    /// <summary>Handles one interaction to the end (its whole operation, if it starts one). Never throws.</summary>
    public async Task HandleAsync(Interaction interaction, CancellationToken cancellationToken)
    {
        try
        {
            switch (interaction.Type)
            {
                case InteractionType.Autocomplete:
                    await AutocompleteAsync(interaction, cancellationToken).ConfigureAwait(false);
                    break;
                case InteractionType.ApplicationCommand:
                    var (line, error) = SlashCommands.ToCommandLine(interaction.Data);
                    await RunAsync(interaction, line, error, cancellationToken).ConfigureAwait(false);
                    break;
                case InteractionType.MessageComponent:
                    var customId = interaction.Data.TryGetProperty("custom_id", out var id) ? id.GetString() : null;
                    var decoded = CustomIds.Decode(customId);
                    await RunAsync(interaction, decoded, decoded is null ? "this button is not one of the bot's (unknown custom_id)." : null, cancellationToken)
                        .ConfigureAwait(false);
                    break;
                default:
                    LogIgnored(logger, interaction.Id, (int)interaction.Type);
                    break;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogCancelled(logger, interaction.Id);
        }
        catch (Exception e)
        {
            LogFailed(logger, interaction.Id, e);
        }
    }

    private async Task AutocompleteAsync(Interaction interaction, CancellationToken cancellationToken)
    {
        var (argument, typed) = SlashCommands.Focused(interaction.Data);
        var candidates = argument?.Kind == ArgumentKind.Datanode ? datanodes : [];
        var session = new InteractionSession(interaction, AnswerTarget.NewMessage, api);
        await session.RespondRawAsync(SlashCommands.AutocompleteResponse(candidates, typed), cancellationToken).ConfigureAwait(false);
    }

    private async Task RunAsync(Interaction interaction, string? line, string? error, CancellationToken cancellationToken)
    {
        var parsed = line is null ? null : handler.Parser.Parse(line);
        var command = parsed?.Command;
        var target = interaction.Type == InteractionType.MessageComponent && command is ApproveCommand or CancelCommand or ResumeCommand
            ? AnswerTarget.SourceMessage
            : AnswerTarget.NewMessage;
        _responses.Expect(interaction.Id);
        var session = new InteractionSession(interaction, target, api, () => _responses.Answered(interaction.Id));
        try
        {
            await RunAsync(interaction, session, target, command, parsed, error, line, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _responses.Answered(interaction.Id);
        }
    }

    private async Task RunAsync(Interaction interaction, InteractionSession session, AnswerTarget target, ChatCommand? command, CommandParseResult? parsed, string? error,
        string? line, CancellationToken cancellationToken)
    {
        var render = new RenderOptions(DisabledComponents: target == AnswerTarget.SourceMessage ? interaction.MessageComponents : null);

        if (command is null)
        {
            var why = error ?? parsed?.Error ?? "not understood.";
            LogRefused(logger, interaction.Id, interaction.Actor?.Id ?? "", "not understood");
            await session.RefuseAsync(DiscordMessageRenderer.Render(ChatMessage.Simple("Not understood", Severity.Warning, why), new RenderOptions(Ephemeral: true)),
                cancellationToken).ConfigureAwait(false);
            return;
        }
        if (interaction.Actor is not { } actor)
        {
            await session.RefuseAsync(DiscordMessageRenderer.Text("I cannot tell who you are; use the command in the server, not in a DM.", ephemeral: true), cancellationToken)
                .ConfigureAwait(false);
            return;
        }
        LogCommand(logger, interaction.Id, command.Spec.Name, actor.Id, interaction.Type.ToString());
        if (replicas is not null && !command.Spec.ReadOnly && !replicas.IsActive)
        {
            LogRefused(logger, interaction.Id, actor.Id, "this replica is standby");
            await session.RefuseAsync(DiscordMessageRenderer.Render(await StandbyRefusalAsync(replicas, command, line, cancellationToken), new RenderOptions(Ephemeral: true)),
                cancellationToken).ConfigureAwait(false);
            return;
        }

        var origin = new ChatOrigin(DiscordOutboxChannel.TargetName, DiscordAddress.Of(interaction, target, render.DisabledComponents).ToJson());
        var work = handler.AnswerAsync(command, actor, cancellationToken, origin);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(timings.AnswerAtOnceWithin, time, deadline.Token);
        if (await Task.WhenAny(work, timer).ConfigureAwait(false) != work)
        {
            LogDeferred(logger, interaction.Id, command.Spec.Name);
            await session.DeferAsync(cancellationToken).ConfigureAwait(false);
        }
        await deadline.CancelAsync().ConfigureAwait(false);

        var reply = await work.ConfigureAwait(false);
        if (reply.ShownByOutbox && (!reply.IsRefusal || target == AnswerTarget.SourceMessage))
        {
            // The operation's message shows this state through the outbox; the interaction still gets its first answer
            // in time, and a refusal goes to the clicker alone.
            await session.DeferAsync(cancellationToken).ConfigureAwait(false);
            if (reply.IsRefusal)
            {
                LogRefused(logger, interaction.Id, actor.Id, reply.Message.Title);
                await session.RefuseAsync(DiscordMessageRenderer.Render(reply.Message, new RenderOptions(Ephemeral: true)), cancellationToken).ConfigureAwait(false);
            }
        }
        else if (reply.IsRefusal)
        {
            LogRefused(logger, interaction.Id, actor.Id, reply.Message.Title);
            await session.RefuseAsync(DiscordMessageRenderer.Render(reply.Message, new RenderOptions(Ephemeral: true)), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await session.ShowAsync(DiscordMessageRenderer.RenderWhole(reply.Message, render), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The standby's answer to an action: not taken, who is active (as the store says within
    /// <see cref="StandbyStatusWithin"/>), when to retry.</summary>
    private async Task<ChatMessage> StandbyRefusalAsync(IReplicaRole role, ChatCommand command, string? line, CancellationToken cancellationToken)
    {
        var what = line is null ? command.Spec.Name
            : line.StartsWith(CommandCatalogue.Prefix + " ", StringComparison.Ordinal) ? line[(CommandCatalogue.Prefix.Length + 1)..] : line;
        LeadershipStatus? status = null;
        string? why = null;
        using var within = new CancellationTokenSource(StandbyStatusWithin, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(within.Token, cancellationToken);
        try
        {
            status = await role.ReadStatusAsync(linked.Token).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e)
        {
            why = e.Message;
        }
        catch (OperationCanceledException) when (within.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            why = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"no answer within {StandbyStatusWithin.TotalSeconds:0.#} s");
        }
        return LeadershipText.StandbyRefusal(role.ReplicaId, what, status, why, role.LeaseDuration, time.GetUtcNow());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Interaction {InteractionId}: {Command} by user {UserId} ({Kind})")]
    private static partial void LogCommand(ILogger logger, string interactionId, string command, string userId, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Interaction {InteractionId}: {Command} takes longer; answer deferred")]
    private static partial void LogDeferred(ILogger logger, string interactionId, string command);

    [LoggerMessage(Level = LogLevel.Information, Message = "Interaction {InteractionId}: refused to user {UserId}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string interactionId, string userId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Interaction {InteractionId} of type {Type} ignored")]
    private static partial void LogIgnored(ILogger logger, string interactionId, int type);

    [LoggerMessage(Level = LogLevel.Information, Message = "Interaction {InteractionId} abandoned: the bot is stopping")]
    private static partial void LogCancelled(ILogger logger, string interactionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Interaction {InteractionId} could not be answered")]
    private static partial void LogFailed(ILogger logger, string interactionId, Exception exception);

}
