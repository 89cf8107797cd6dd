using System.Globalization;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;

namespace PgxcBot.Core.Monitoring;

/// <summary>The words of maintenance windows, silences and acknowledgements: what happened, what it means, what next.</summary>
public static class MaintenanceMessages
{
    /// <summary>The incident key of a window's own notices (its end): subject/maintenance or subject/silence-KIND.</summary>
    public static string KeyOf(Mute mute)
    {
        ArgumentNullException.ThrowIfNull(mute);
        return mute.IsMaintenance ? $"{Who(mute.Subject)}/maintenance" : $"{mute.Subject}/silence-{mute.Kind}";
    }

    /// <summary>"until 15:00 UTC (set by alice: kernel update)".</summary>
    public static string Describe(Mute mute)
    {
        ArgumentNullException.ThrowIfNull(mute);
        return $"{mute.Name} until {When(mute.EndsAt)} (set by {mute.SetBy}{(mute.ApprovedBy is { } a ? $", approved by {a}" : "")} at {When(mute.StartedAt)}: {mute.Reason})";
    }

    /// <summary>The answer to <c>on</c>: the request, and what a second person must do.</summary>
    public static ChatMessage Requested(MuteRequest request, MuteRequest? replaced)
    {
        ArgumentNullException.ThrowIfNull(request);
        var lines = new List<string>
        {
            $"{Capital(request.Name)} for {MaintenanceDuration.Format(request.For)} requested by {request.RequestedBy} (request {request.Id}): {request.Reason}.",
        };
        if (replaced is not null) lines.Add($"It replaces request {replaced.Id} by {replaced.RequestedBy}, which can no longer be approved.");
        lines.Add(request.IsMaintenance
            ? $"What it means: nothing changes yet; once another approver approves it, there is no automatic degrade, re-sync or failover and no page for {Target(request.Subject)} for {MaintenanceDuration.Format(request.For)} from the approval."
            : $"What it means: nothing changes yet; once another approver approves it, {request.Kind} alerts of {request.Subject} are not sent for {MaintenanceDuration.Format(request.For)} from the approval.");
        lines.Add($"Next: another person listed in approvals.approvers (not {request.RequestedBy}) runs {ApproveCommand(request)} before {IncidentMessages.Clock(request.ExpiresAt)} UTC, when the request closes.");
        return new ChatMessage($"Requested: {request.Name}", Severity.Info, [], lines, [],
            [new ChatAction("Approve", ApproveCommand(request) + $" --request {request.Id.ToString(CultureInfo.InvariantCulture)}", ActionStyle.Primary)]);
    }

    /// <summary>The command that approves <paramref name="request"/>.</summary>
    public static string ApproveCommand(MuteRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var target = request.Subject == Mute.EveryDatanode ? "--all" : request.Subject;
        return request.IsMaintenance ? $"/pgxc maintenance {target} approve" : $"/pgxc silence {request.Subject}/{request.Kind} approve";
    }

    /// <summary>The one line of an active window in a pair's next step: who, why, until when.</summary>
    public static string InForce(Mute mute)
    {
        ArgumentNullException.ThrowIfNull(mute);
        return $"{mute.Name} until {When(mute.EndsAt)}, set by {mute.SetBy}{(mute.ApprovedBy is { } a ? $" (approved by {a})" : "")}: {mute.Reason}";
    }

    public static ChatMessage Set(Mute mute, Mute? replaced)
    {
        ArgumentNullException.ThrowIfNull(mute);
        var lines = new List<string> { $"{Capital(Describe(mute))}." };
        if (replaced is not null) lines.Add($"It replaces the one set by {replaced.SetBy} until {When(replaced.EndsAt)}.");
        lines.Add(mute.IsMaintenance
            ? $"What it means: no automatic degrade, re-sync or failover for {Target(mute)}, and no pages for it; what would have been paged is recorded and shown as muted in /pgxc status. Still paged: a split brain, and commits blocked longer than {Humanize.Duration(MaintenanceRules.BlockedCommitsPageAfter)}."
            : $"What it means: {mute.Kind} alerts of {mute.Subject} are not sent (still recorded, shown as muted in /pgxc status); automatic actions are unchanged.");
        lines.Add($"Next: it ends by itself at {When(mute.EndsAt)} with a message; end it earlier with {OffCommand(mute)}.");
        return new ChatMessage($"{Capital(mute.Name)} on", Severity.Info, [], lines, [], [new ChatAction("End it now", OffCommand(mute))]);
    }

    public static ChatMessage Ended(Mute mute, string how, IReadOnlyList<Incident> stillOpen)
    {
        ArgumentNullException.ThrowIfNull(mute);
        ArgumentNullException.ThrowIfNull(stillOpen);
        var lines = new List<string> { $"{Capital(mute.Name)} ended {how} (it was set by {mute.SetBy}: {mute.Reason})." };
        lines.Add(mute.IsMaintenance
            ? $"What it means: automatic degrade, re-sync and failover and pages are back on for {Target(mute)}; the next poll acts on what it sees."
            : $"What it means: {mute.Kind} alerts of {mute.Subject} are sent again.");
        if (stillOpen.Count == 0) lines.Add("Nothing it muted is still going. Next: nothing to do; /pgxc status confirms.");
        else
        {
            lines.Add("Still going (was muted):");
            lines.AddRange(stillOpen.Select(i => $"- {i.Key}: {i.Latest.Title} (since {IncidentMessages.Clock(i.FirstSeenAt)} UTC)" + (i.Latest.NextStep.Length > 0 ? $"; next: {i.Latest.NextStep}" : "")));
        }
        var severity = stillOpen.Count == 0 ? Severity.Ok : stillOpen.Max(i => i.Latest.Severity);
        var actions = stillOpen.SelectMany(i => i.Latest.Actions).DistinctBy(a => a.Command).ToArray();
        return new ChatMessage($"{Capital(mute.Name)} ended", severity, [], lines, [], actions);
    }

    /// <summary>The one page of something that is paged even in maintenance (<see cref="MaintenanceRules.StillPages"/>).</summary>
    public static ChatMessage PagedDespite(Incident incident, Mute mute, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(mute);
        var lines = incident.Latest.Sentences.ToList();
        lines.Add(incident.Latest.Kind == AlertKinds.CommitsBlocked
            ? $"This pages although {Describe(mute)}: commits have been blocked for {Humanize.Duration(now - incident.FirstSeenAt)}, longer than the {Humanize.Duration(MaintenanceRules.BlockedCommitsPageAfter)} planned work may hold them, and the bot does not switch a pair in maintenance to async by itself."
            : $"This pages although {Describe(mute)}: it cannot be part of planned work.");
        if (incident.Latest.NextStep.Length > 0) lines.Add("Next: " + incident.Latest.NextStep);
        return new ChatMessage($"In maintenance, still paged: {incident.Latest.Title}", incident.Latest.Severity, [], lines, [], incident.Latest.Actions);
    }

    /// <summary><paramref name="notification"/> with the window it pages through named (who set it, why, until when);
    /// unchanged without one, or for an all-clear.</summary>
    public static Notification Despite(Notification notification, Mute? mute)
    {
        ArgumentNullException.ThrowIfNull(notification);
        if (mute is null || notification.Kind == NotificationKind.Cleared) return notification;
        return notification with { Message = notification.Message with { Lines = [.. notification.Message.Lines, $"This pages although {Describe(mute)}: it cannot be part of planned work."] } };
    }

    /// <summary>A reminder of an acknowledged incident: names the owner instead of repeating the page.</summary>
    public static ChatMessage OwnedReminder(Incident incident, Acknowledgement owner, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(owner);
        var lines = new List<string>
        {
            $"{Owned(owner)}; it has lasted {Humanize.Duration(now - incident.FirstSeenAt)}.",
            "What it means: no page is repeated while it is owned; a change to a worse state still pages.",
            $"Next: {owner.Owner} keeps it, or /pgxc unack {incident.Key} hands it back to the on-call.",
        };
        return new ChatMessage($"Still going, owned by {owner.Owner}: {incident.Latest.Title}", incident.Latest.Severity, [], lines, [], []);
    }

    /// <summary>"owned by alice since 03:12:40.1 UTC (note: rebooting the host)".</summary>
    public static string Owned(Acknowledgement owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return $"owned by {owner.Owner} since {IncidentMessages.Clock(owner.At)} UTC" + (owner.Note is { Length: > 0 } note ? $" (note: {note})" : "");
    }

    public static ChatMessage Acknowledged(Acknowledgement owner, Incident incident, Acknowledgement? before) => new(
        $"Acknowledged: {incident.Key}", Severity.Info, [],
        [
            $"{incident.Latest.Title}: {Owned(owner)}" + (before is null ? "." : $"; it was owned by {before.Owner}."),
            "What it means: reminders name the owner instead of repeating the page; a change to a worse state (a higher severity, or another kind such as master-lost) still pages.",
            (incident.Latest.NextStep.Length > 0 ? $"Next: {incident.Latest.NextStep}; " : "Next: ") + $"/pgxc unack {incident.Key} hands it back.",
        ], [], [new ChatAction("Unacknowledge", $"/pgxc unack {incident.Key}")]);

    public static ChatMessage Unacknowledged(Acknowledgement removed) => ChatMessage.Simple(
        $"Unacknowledged: {removed.IncidentKey}", Severity.Info,
        $"{removed.Owner} no longer owns {removed.IncidentKey}.",
        "What it means: its reminders page the on-call again at the usual interval.",
        $"Next: /pgxc ack {removed.IncidentKey} to take it.");

    /// <summary>The maintenance part of status: windows and silences in force, muted incidents, owners.</summary>
    public static IReadOnlyList<string> StatusLines(MaintenanceState state, IReadOnlyCollection<Incident> active, string? onlyDatanode)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(active);
        bool Mine(string subject) => onlyDatanode is null || subject == onlyDatanode || subject == Mute.EveryDatanode;
        var lines = new List<string>();
        foreach (var mute in state.Mutes.Where(m => Mine(m.Subject)))
            lines.Add($"{Capital(Describe(mute))}" + (mute.IsMaintenance ? ": no automatic degrade, re-sync or failover, no pages. End it: " : ": not sent. End it: ") + OffCommand(mute));
        foreach (var (incident, mute) in MaintenanceRules.MutedIncidents(active, state).Where(x => Mine(MaintenanceState.Split(x.Incident.Key).Subject)))
            lines.Add($"muted: {incident.Key}: {incident.Latest.Title} (since {IncidentMessages.Clock(incident.FirstSeenAt)} UTC; would have paged; {mute.Name})");
        foreach (var owner in state.Acknowledgements.Where(a => Mine(MaintenanceState.Split(a.IncidentKey).Subject)))
            lines.Add($"{owner.IncidentKey}: {Owned(owner)}");
        return lines;
    }

    /// <summary>History lines of windows and silences, newest first.</summary>
    public static IReadOnlyList<string> HistoryLines(IReadOnlyList<Mute> mutes)
    {
        ArgumentNullException.ThrowIfNull(mutes);
        return mutes.Select(m => $"  {When(m.StartedAt)} {m.Name} set by {m.SetBy}{(m.ApprovedBy is { } a ? $", approved by {a}," : "")} until {When(m.EndsAt)}: {m.Reason}"
            + (m.EndedAt is { } ended ? $"; ended {When(ended)} ({m.EndedBy})" : "; in force")).ToArray();
    }

    public static string OffCommand(Mute mute)
    {
        ArgumentNullException.ThrowIfNull(mute);
        var target = mute.Subject == Mute.EveryDatanode ? "--all" : mute.Subject;
        return mute.IsMaintenance ? $"/pgxc maintenance {target} off" : $"/pgxc silence {mute.Subject}/{mute.Kind} off";
    }

    /// <summary>yyyy-MM-dd HH:mm UTC: a window's bounds are read by people planning work.</summary>
    public static string When(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    private static string Target(Mute mute) => Target(mute.Subject);

    private static string Target(string subject) => subject == Mute.EveryDatanode ? "every pair" : subject;

    private static string Who(string subject) => subject == Mute.EveryDatanode ? "cluster" : subject;

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
