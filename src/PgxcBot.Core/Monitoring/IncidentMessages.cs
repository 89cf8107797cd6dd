using System.Globalization;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;

namespace PgxcBot.Core.Monitoring;

/// <summary>The words of incident notifications: what happened, since when, what it means, what to do.</summary>
public static class IncidentMessages
{
    public static ChatMessage Raised(Incident incident) => Build(incident, incident.Latest.Title,
        [Since(incident)], incident.Latest.Sentences);

    public static ChatMessage Reminder(Incident incident, DateTimeOffset now) => Build(incident,
        $"Still going: {incident.Latest.Title}",
        [Since(incident), new MessageField("Lasting", Humanize.Duration(now - incident.FirstSeenAt), Inline: true)],
        incident.Latest.Sentences);

    public static ChatMessage Worse(Incident incident, DateTimeOffset now) => Build(incident,
        $"Worse: {incident.Latest.Title}",
        [Since(incident), new MessageField("Lasting", Humanize.Duration(now - incident.FirstSeenAt), Inline: true)],
        incident.Latest.Sentences);

    public static ChatMessage Returned(Incident incident, DateTimeOffset now) => Build(incident,
        $"Back again: {incident.Latest.Title}",
        [Since(incident)],
        [.. incident.Latest.Sentences,
            $"It cleared and came back within {Humanize.Duration(now - incident.FirstSeenAt)} of its start: it is flapping. Further returns are counted quietly; the all-clear comes once it has stayed away for a while."]);

    public static ChatMessage Cleared(Incident incident, DateTimeOffset now) => new(
        $"Recovered: {incident.Latest.Title}", Severity.Ok,
        [Since(incident), new MessageField("Lasted", Humanize.Duration(now - incident.FirstSeenAt), Inline: true)],
        [$"The bot no longer sees it (last seen {Clock(incident.LastSeenAt)} UTC). Check /pgxc status to confirm."], [], []);

    public static ChatMessage SettledAfterFlapping(Incident incident, DateTimeOffset now) => new(
        $"Recovered: {incident.Latest.Title}", Severity.Ok,
        [Since(incident), new MessageField("Returns", incident.Reopens.ToString(CultureInfo.InvariantCulture), Inline: true)],
        [$"It came back {incident.Reopens} time(s) after clearing, and has now stayed away since {Clock(incident.ClearedAt ?? now)} UTC. Look for the cause of the flapping (network, load) even though it is quiet now."],
        [], []);

    /// <summary>
    /// The alert of <paramref name="incident"/> as it is redrawn when someone takes it (<paramref name="owner"/>) or
    /// hands it back (null): the page as raised, with its latest state, plus who owns it; the Acknowledge button
    /// becomes Unacknowledge while it is owned. Chats that edit messages put it in place of the posted alert.
    /// </summary>
    public static ChatMessage Redrawn(Incident incident, Acknowledgement? owner)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var raised = Raised(incident);
        if (owner is null) return raised;
        var lines = raised.Lines.Prepend($"{char.ToUpperInvariant(MaintenanceMessages.Owned(owner)[0])}{MaintenanceMessages.Owned(owner)[1..]}: reminders name the owner instead of paging; a worse state still pages.").ToArray();
        var actions = raised.Actions.Where(a => a.Command != AckAction(incident.Key).Command).Append(new ChatAction("Unacknowledge", $"/pgxc unack {incident.Key}")).ToArray();
        return raised with
        {
            Title = $"{raised.Title} (owned by {owner.Owner})",
            Fields = [.. raised.Fields, new MessageField("Owner", owner.Owner, Inline: true)],
            Lines = lines,
            Actions = actions,
        };
    }

    /// <summary>The Acknowledge button of an alert.</summary>
    public static ChatAction AckAction(string key) => new("Acknowledge", $"/pgxc ack {key}");

    /// <summary>HH:mm:ss.f, the precision an operator compares with server logs.</summary>
    public static string Clock(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss.f", CultureInfo.InvariantCulture);

    private static MessageField Since(Incident incident) => new("Since", Clock(incident.FirstSeenAt) + " UTC", Inline: true);

    private static ChatMessage Build(Incident incident, string title, IReadOnlyList<MessageField> fields, IReadOnlyList<string> sentences)
    {
        var lines = sentences.ToList();
        if (incident.Latest.NextStep.Length > 0) lines.Add("Next: " + incident.Latest.NextStep);
        // Every alert can be taken by a person: the button records the owner and stops the reminders' pages.
        return new ChatMessage(title, incident.Latest.Severity, fields, lines, [], [.. incident.Latest.Actions, AckAction(incident.Key)]);
    }
}
