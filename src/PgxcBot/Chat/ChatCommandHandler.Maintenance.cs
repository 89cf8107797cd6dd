using PgxcBot.Core.Assessment;
using PgxcBot.Core.Commands;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Operations;

namespace PgxcBot.Chat;

/// <summary>Maintenance windows, silences and acknowledgements: written to the one stored state the monitor reads
/// at each poll (so they count from the next poll, in every process, and survive a restart).</summary>
public sealed partial class ChatCommandHandler
{
    private DateTimeOffset Now => (time ?? TimeProvider.System).GetUtcNow();

    private async Task<ChatReply> MaintenanceAsync(MaintenanceCommand command, Actor actor, CancellationToken cancellationToken) =>
        await MuteAsync(command.Datanode ?? Mute.EveryDatanode, null, command.On, command.For, command.Reason, actor, cancellationToken);

    private async Task<ChatReply> SilenceAsync(SilenceCommand command, Actor actor, CancellationToken cancellationToken) =>
        await MuteAsync(command.Subject, command.Kind, command.On, command.For, command.Reason, actor, cancellationToken);

    private async Task<ChatReply> MuteAsync(string subject, string? kind, bool on, TimeSpan duration, string? reason, Actor actor, CancellationToken cancellationToken)
    {
        var what = kind is null ? "maintenance" : "silence";
        if (maintenance is null) return NoStore(what);
        var allowed = topology.Approvals.CanMute(actor);
        if (!allowed.Allowed)
            return ChatReply.Refusal(ChatMessage.Simple($"{what}: refused", Severity.Warning, allowed.Reason!, "Nothing was changed."));
        var now = Now;
        if (on)
        {
            var (stored, replaced) = await maintenance.SetMuteAsync(new Mute(0, subject, kind, actor.ToString(), reason ?? "", now, now + duration), cancellationToken);
            return ChatReply.Answer(MaintenanceMessages.Set(stored, replaced));
        }
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
        return ChatReply.Answer(MaintenanceMessages.Ended(ended, $"by {actor} at {MaintenanceMessages.When(now)}", stillOpen));
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
        return ChatReply.Answer(MaintenanceMessages.Acknowledged(owner, incident, before));
    }

    private async Task<ChatReply> UnackAsync(UnackCommand command, Actor actor, CancellationToken cancellationToken)
    {
        if (maintenance is null) return NoStore("unack");
        var allowed = topology.Approvals.CanRequest(actor);
        if (!allowed.Allowed)
            return ChatReply.Refusal(ChatMessage.Simple("unack: refused", Severity.Warning, allowed.Reason!, "Nothing was changed."));
        var removed = await maintenance.RemoveAcknowledgementAsync(command.IncidentKey, cancellationToken);
        return removed is null
            ? ChatReply.Refusal(ChatMessage.Simple("unack: nobody owns it", Severity.Warning,
                $"incident '{command.IncidentKey}' has no owner, so nothing was changed.", "Next: /pgxc status shows the owners."))
            : ChatReply.Answer(MaintenanceMessages.Unacknowledged(removed));
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

    private static ChatReply NoStore(string what) => ChatReply.Refusal(ChatMessage.Simple($"{what}: not available here", Severity.Warning,
        $"{what} needs the bot's state store, which this command runner has not opened; nothing was changed.",
        "Next: run it in the chat or console of the bot that runs the monitor (pgxcbot serve or console)."));
}
