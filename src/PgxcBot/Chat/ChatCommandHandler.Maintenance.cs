using PgxcBot.Core.Assessment;
using PgxcBot.Core.Commands;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Outbox;

namespace PgxcBot.Chat;

/// <summary>Maintenance windows, silences and acknowledgements: written to the one stored state the monitor reads
/// at each poll (so they count from the next poll, in every process, and survive a restart). Setting a window is a
/// request approved by a second authorised person (the approval rules of operations); ending one is one approver's.
/// What changed is announced to the other chats through the outbox (written after the change, never waited for).</summary>
public sealed partial class ChatCommandHandler
{
    private DateTimeOffset Now => (time ?? TimeProvider.System).GetUtcNow();

    private async Task<ChatReply> MaintenanceAsync(MaintenanceCommand command, Actor actor, CancellationToken cancellationToken, ChatOrigin? origin) =>
        await MuteAsync(command.Datanode ?? Mute.EveryDatanode, null, command.On, command.For, command.Reason, actor, cancellationToken, origin);

    private async Task<ChatReply> SilenceAsync(SilenceCommand command, Actor actor, CancellationToken cancellationToken, ChatOrigin? origin) =>
        await MuteAsync(command.Subject, command.Kind, command.On, command.For, command.Reason, actor, cancellationToken, origin);

    private async Task<ChatReply> MuteAsync(string subject, string? kind, bool on, TimeSpan duration, string? reason, Actor actor, CancellationToken cancellationToken,
        ChatOrigin? origin)
    {
        var what = kind is null ? "maintenance" : "silence";
        if (maintenance is null) return NoStore(what);
        var now = Now;
        if (on)
        {
            // A window turns off automatic actions and pages: asked by one person, set by a second one.
            var may = topology.Approvals.CanRequest(actor);
            if (!may.Allowed)
                return ChatReply.Refusal(ChatMessage.Simple($"{what}: refused", Severity.Warning, may.Reason!, "Nothing was changed."));
            var (request, replaced) = await maintenance.RequestMuteAsync(
                new MuteRequest(0, subject, kind, actor.Id, actor.ToString(), reason ?? "", duration, now, now + topology.Approvals.Expiry), cancellationToken);
            var asked = MaintenanceMessages.Requested(request, replaced);
            await AnnounceAsync(MaintenanceMessages.KeyOf(request.ToMute("", now)), asked, origin, cancellationToken);
            return ChatReply.Answer(asked);
        }
        var allowed = topology.Approvals.CanMute(actor);
        if (!allowed.Allowed)
            return ChatReply.Refusal(ChatMessage.Simple($"{what}: refused", Severity.Warning, allowed.Reason!, "Nothing was changed."));
        var ended = await maintenance.EndMuteAsync(subject, kind, actor.ToString(), now, cancellationToken);
        if (ended is null)
        {
            var probe = new Mute(0, subject, kind, "", "", now, now);
            return ChatReply.Refusal(ChatMessage.Simple($"{what}: nothing to end", Severity.Warning,
                $"There is no {probe.Name} in force, so nothing was changed.", "Next: /pgxc status lists the windows and silences in force."));
        }
        var active = incidents is null ? [] : await incidents.GetActiveIncidentsAsync(cancellationToken);
        var lasting = new MaintenanceState(await maintenance.GetLastingMutesAsync(cancellationToken), []);
        var stillOpen = active.Where(i => i.Status == IncidentStatus.Open && lasting.MuteOf(i.Key) is null
            && ended.Covers(MaintenanceState.Split(i.Key).Subject, MaintenanceState.Split(i.Key).Kind)).ToArray();
        var message = MaintenanceMessages.Ended(ended, $"by {actor} at {MaintenanceMessages.When(now)}", stillOpen);
        await AnnounceAsync(MaintenanceMessages.KeyOf(ended), message, origin, cancellationToken);
        return ChatReply.Answer(message);
    }

    /// <summary>A second authorised person approves the awaiting request: the window is set from now, atomically
    /// (of two approvers, one sets it; the other is told who did).</summary>
    private async Task<ChatReply> ApproveMuteAsync(ApproveMuteCommand command, Actor actor, CancellationToken cancellationToken, ChatOrigin? origin)
    {
        var what = command.Kind is null ? "maintenance" : "silence";
        if (maintenance is null) return NoStore(what);
        var name = new Mute(0, command.Subject, command.Kind, "", "", Now, Now).Name;
        var request = await maintenance.GetAwaitingRequestAsync(command.Subject, command.Kind, cancellationToken);
        if (request is null || (command.Request is { } wanted && wanted != request.Id))
        {
            var why = request is null
                ? $"no request for the {name} awaits approval" + (command.Request is { } id ? $" (request {id} was approved, replaced or has closed)" : "")
                : $"this button is for request {command.Request}, but request {request.Id} by {request.RequestedBy} ({MaintenanceDuration.Format(request.For)}: {request.Reason}) replaced it";
            return ChatReply.Refusal(ChatMessage.Simple($"{what}: nothing to approve", Severity.Warning, $"{Capital(why)}; nothing was changed.",
                request is null ? "Next: /pgxc status shows the windows in force; ask again with on." : $"Next: read request {request.Id}, then {MaintenanceMessages.ApproveCommand(request)} --request {request.Id}."));
        }
        var decision = topology.Approvals.CanApproveMute(actor, request, Now);
        if (!decision.Allowed)
            return ChatReply.Refusal(ChatMessage.Simple($"{what}: approval refused", Severity.Warning, decision.Reason!, "Nothing was changed."));
        var approval = await maintenance.ApproveMuteAsync(request.Id, actor.ToString(), Now, cancellationToken);
        if (approval.Stored is not { } stored)
        {
            var now = approval.Request;
            var why = now?.State == MuteRequest.Approved ? $"request {request.Id} was approved by {now.DecidedBy} just before"
                : now?.State == MuteRequest.Replaced ? $"request {request.Id} was replaced by a newer request just before"
                : $"request {request.Id} closed at {IncidentMessages.Clock(request.ExpiresAt)} UTC";
            return ChatReply.Refusal(ChatMessage.Simple($"{what}: nothing to approve", Severity.Warning, $"{Capital(why)}; nothing was changed by this approval.",
                "Next: /pgxc status shows the windows in force."));
        }
        var message = MaintenanceMessages.Set(stored, approval.Replaced);
        await AnnounceAsync(MaintenanceMessages.KeyOf(stored), message, origin, cancellationToken);
        return ChatReply.Answer(message);
    }

    private async Task<ChatReply> AckAsync(AckCommand command, Actor actor, CancellationToken cancellationToken)
    {
        if (maintenance is null || incidents is null) return NoStore("ack");
        var allowed = topology.Approvals.CanRequest(actor);
        if (!allowed.Allowed)
            return ChatReply.Refusal(ChatMessage.Simple("ack: refused", Severity.Warning, allowed.Reason!, "Nothing was changed."));
        var active = await incidents.GetActiveIncidentsAsync(cancellationToken);
        var incident = active.FirstOrDefault(i => string.Equals(i.Key, command.IncidentKey, StringComparison.OrdinalIgnoreCase));
        if (incident is null)
            return ChatReply.Refusal(ChatMessage.Simple("ack: no such open incident", Severity.Warning,
                $"incident '{command.IncidentKey}' is not open, so there is nothing to own; nothing was changed.",
                active.Count == 0 ? "Open now: none." : $"Open now: {string.Join(", ", active.Select(i => i.Key))}. Write one of these (the alert's title names it too)."));
        var before = (await maintenance.GetAcknowledgementsAsync(cancellationToken)).FirstOrDefault(a => a.IncidentKey == incident.Key);
        var owner = new Acknowledgement(incident.Key, actor.ToString(), command.Note, Now);
        await maintenance.SaveAcknowledgementAsync(owner, cancellationToken);
        await RedrawAlertAsync(incident, owner, cancellationToken);
        return ChatReply.Answer(MaintenanceMessages.Acknowledged(owner, incident, before));
    }

    private async Task<ChatReply> UnackAsync(UnackCommand command, Actor actor, CancellationToken cancellationToken)
    {
        if (maintenance is null) return NoStore("unack");
        var allowed = topology.Approvals.CanRequest(actor);
        if (!allowed.Allowed)
            return ChatReply.Refusal(ChatMessage.Simple("unack: refused", Severity.Warning, allowed.Reason!, "Nothing was changed."));
        var removed = await maintenance.RemoveAcknowledgementAsync(command.IncidentKey, cancellationToken);
        if (removed is null)
            return ChatReply.Refusal(ChatMessage.Simple("unack: nobody owns it", Severity.Warning,
                $"incident '{command.IncidentKey}' has no owner, so nothing was changed.", "Next: /pgxc status shows the owners."));
        if (incidents is not null && (await incidents.GetActiveIncidentsAsync(cancellationToken)).FirstOrDefault(i => i.Key == removed.IncidentKey) is { } incident)
            await RedrawAlertAsync(incident, null, cancellationToken);
        return ChatReply.Answer(MaintenanceMessages.Unacknowledged(removed));
    }

    /// <summary>
    /// The incident's posted alert, redrawn with its owner (or without, after unack) in every chat that edits messages
    /// (Discord): an entry of the alert's key, which that chat's sender applies to the message the alert became. Written
    /// to the outbox only: the answer never waits for the chat, and a chat that never showed the alert drops it.
    /// </summary>
    private async Task RedrawAlertAsync(Incident incident, Acknowledgement? owner, CancellationToken cancellationToken)
    {
        if (outbox is null || routes is null) return;
        var targets = routes.All.Where(r => r.Alerts && r.Progress == ProgressStyle.Message).Select(r => r.Target).ToArray();
        if (targets.Length == 0) return;
        var body = IncidentMessages.Redrawn(incident, owner);
        await EnqueueQuietlyAsync(targets.Select(t => OutboxEntry.New(Now, t, OutboxKind.Progress, incident.Key, body)).ToArray(), incident.Key, cancellationToken);
    }

    /// <summary>
    /// Tells the chats other than the asker's that a window was requested, set or ended: every target that gets alerts
    /// or shows live messages, except the one the command came from (its answer says it there). A command typed on a
    /// terminal (no origin) has its answer printed there, so terminals are skipped then.
    /// </summary>
    private async Task AnnounceAsync(string key, ChatMessage message, ChatOrigin? origin, CancellationToken cancellationToken)
    {
        if (outbox is null || routes is null) return;
        var targets = routes.All
            .Where(r => r.Alerts || r.Progress == ProgressStyle.Message)
            .Where(r => origin is null ? r.Progress != ProgressStyle.Lines : r.Target != origin.Target)
            .Select(r => r.Target).ToArray();
        if (targets.Length == 0) return;
        await EnqueueQuietlyAsync(targets.Select(t => OutboxEntry.New(Now, t, OutboxKind.Reply, key, message)).ToArray(), key, cancellationToken);
    }

    /// <summary>The change is stored already: an outbox that cannot be written costs the announcement only (logged).</summary>
    private async Task EnqueueQuietlyAsync(IReadOnlyList<OutboxEntry> entries, string key, CancellationToken cancellationToken)
    {
        try
        {
            await outbox!.EnqueueAsync(entries, cancellationToken);
        }
        catch (StoreUnavailableException e)
        {
            LogNotAnnounced(logger, key, e);
        }
    }

    /// <summary>The maintenance lines of status: windows in force (not yet past their end), muted incidents, owners.</summary>
    private async Task<IReadOnlyList<string>> MaintenanceStatusAsync(string? datanode, CancellationToken cancellationToken)
    {
        if (maintenance is null) return [];
        var now = Now;
        var state = new MaintenanceState((await maintenance.GetLastingMutesAsync(cancellationToken)).Where(m => m.EndsAt > now).ToArray(),
            await maintenance.GetAcknowledgementsAsync(cancellationToken));
        var active = incidents is null ? [] : await incidents.GetActiveIncidentsAsync(cancellationToken);
        return MaintenanceMessages.StatusLines(state, active, datanode);
    }

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static ChatReply NoStore(string what) => ChatReply.Refusal(ChatMessage.Simple($"{what}: not available here", Severity.Warning,
        $"{what} needs the bot's state store, which this command runner has not opened; nothing was changed.",
        "Next: run it in the chat or console of the bot that runs the monitor (pgxcbot serve or console)."));

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "The chat announcement of {Key} could not be written to the outbox; the change itself is stored")]
    private static partial void LogNotAnnounced(Microsoft.Extensions.Logging.ILogger logger, string key, Exception exception);
}
