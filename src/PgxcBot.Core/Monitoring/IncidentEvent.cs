using PgxcBot.Core.Assessment;

namespace PgxcBot.Core.Monitoring;

/// <summary>What happened to an incident at one moment (the incident itself is stored only as its latest version).</summary>
public enum IncidentEventKind { Raised, Reminded, Reopened, Cleared }

/// <summary>
/// One entry of an incident's history: raised, reminded (a reminder or a worse state was posted), reopened, cleared.
/// Appended by the store when it saves a changed incident (<see cref="IncidentHistory.Changes"/>), so the timeline
/// can tell every page and reminder, not just the incident's last state.
/// </summary>
/// <param name="Key">The incident key, "subject/kind" (<see cref="AlertCandidate.Key"/>).</param>
/// <param name="Subject">The datanode or coordinator concerned.</param>
/// <param name="AlertKind">slave-lost, commits-blocked, master-lost, ... (<see cref="AlertKinds"/>).</param>
/// <param name="At">When it happened (UTC), as the incident engine recorded it.</param>
/// <param name="Title">The alert's title at that moment.</param>
public sealed record IncidentEvent(string Key, string Subject, string AlertKind, IncidentEventKind Kind, DateTimeOffset At, Severity Severity, string Title);

/// <summary>Derives incident events from two versions of an incident (pure; the store calls it while saving).</summary>
public static class IncidentHistory
{
    /// <summary>The events between <paramref name="before"/> (null: never stored, or closed and now a new one) and
    /// <paramref name="after"/>, oldest first. A pending incident (not raised yet) has none.</summary>
    public static IReadOnlyList<IncidentEvent> Changes(Incident? before, Incident after)
    {
        ArgumentNullException.ThrowIfNull(after);
        var events = new List<IncidentEvent>();
        IncidentEvent Event(IncidentEventKind kind, DateTimeOffset at) =>
            new(after.Key, after.Latest.Subject, after.Latest.Kind, kind, at, after.Latest.Severity, after.Latest.Title);

        var fresh = before is null || before.Status == IncidentStatus.Closed || before.RaisedAt is null;
        if (after.RaisedAt is { } raised && (fresh || before!.RaisedAt != raised))
            events.Add(Event(IncidentEventKind.Raised, raised));
        else if (before is { Status: IncidentStatus.Resolving } && after.Status == IncidentStatus.Open)
            events.Add(Event(IncidentEventKind.Reopened, after.LastSeenAt));
        else if (after is { Status: IncidentStatus.Open, LastNotifiedAt: { } notified } && before?.LastNotifiedAt != notified)
            events.Add(Event(IncidentEventKind.Reminded, notified));
        if (after.ClearedAt is { } cleared && after.Status is IncidentStatus.Resolving or IncidentStatus.Closed && before?.ClearedAt != cleared)
            events.Add(Event(IncidentEventKind.Cleared, cleared));
        return events;
    }
}
