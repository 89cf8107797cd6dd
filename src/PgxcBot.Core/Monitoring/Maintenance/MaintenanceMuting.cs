using PgxcBot.Core.Messages;

namespace PgxcBot.Core.Monitoring;

/// <summary>One poll's incident round under the maintenance state: what goes out (muted messages left out, plus
/// the one page of what still pages in maintenance and the end messages of windows that expired), and what was muted.</summary>
public sealed record MutedIncidentRound(IncidentRound Round, IReadOnlyList<Notification> Muted);

/// <summary>
/// The per-poll muting of maintenance windows and silences (<see cref="MaintenanceRules"/>), without I/O: drops
/// muted notifications, pages once per window what still pages in maintenance (remembered here between polls),
/// and words the end of the windows that expired. Not thread-safe; the monitor calls it under its gate.
/// </summary>
public sealed class MaintenanceMuting
{
    private readonly HashSet<string> _pagedDespite = new(StringComparer.Ordinal);

    /// <summary>The notifications of one poll under <paramref name="current"/> at <paramref name="now"/> (UTC).</summary>
    /// <param name="expired">The windows that ended by themselves since the last poll (their end messages are added).</param>
    /// <exception cref="ArgumentNullException">Any argument is null.</exception>
    public MutedIncidentRound Apply(IncidentRound round, IncidentEngine engine, MaintenanceState current, IReadOnlyList<Mute> expired, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(expired);
        var filtered = MaintenanceRules.Filter(round.Notifications, current, engine.Find, now);
        // What pages through a window says so: the on-call learns that people are working there, who and until when.
        var notifications = filtered.Sent.Select(n => MaintenanceMessages.Despite(n, current.MuteOf(n.IncidentKey))).ToList();

        foreach (var (incident, mute) in MaintenanceRules.MutedIncidents(engine.Active, current))
            if (MaintenanceRules.StillPages(incident, now) && _pagedDespite.Add(incident.Key) && filtered.Sent.All(n => n.IncidentKey != incident.Key))
                notifications.Add(new Notification(incident.Key, NotificationKind.Reminder, MaintenanceMessages.PagedDespite(incident, mute, now), MentionOnCall: true));
        _pagedDespite.RemoveWhere(key => current.MuteOf(key) is null || engine.Find(key) is null);

        foreach (var mute in expired)
        {
            var stillOpen = engine.Active.Where(i => i.Status == IncidentStatus.Open && Covers(mute, i.Key) && current.MuteOf(i.Key) is null).ToArray();
            var message = MaintenanceMessages.Ended(mute, $"by itself at {MaintenanceMessages.When(mute.EndsAt)}", stillOpen);
            notifications.Add(new Notification(MaintenanceMessages.KeyOf(mute), NotificationKind.Cleared, message,
                MentionOnCall: stillOpen.Any(i => i.Latest.Severity >= Assessment.Severity.Critical)));
        }
        return new MutedIncidentRound(new IncidentRound(notifications, round.Changed), filtered.Muted);
    }

    private static bool Covers(Mute mute, string key)
    {
        var (subject, kind) = MaintenanceState.Split(key);
        return mute.Covers(subject, kind);
    }
}
