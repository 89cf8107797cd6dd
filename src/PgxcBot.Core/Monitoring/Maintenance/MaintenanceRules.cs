using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;

namespace PgxcBot.Core.Monitoring;

/// <summary>What one poll's notifications became under the maintenance state: what goes out, and what was muted.</summary>
public sealed record MutedRound(IReadOnlyList<Notification> Sent, IReadOnlyList<Notification> Muted);

/// <summary>
/// The rules of maintenance windows and silences, one place for the monitor, status and tests:
/// <list type="bullet">
/// <item>a pair in maintenance is left out of every automatic action (async switch, sync switch, failover):
/// the people working on it may stop its slave or its master on purpose;</item>
/// <item>its incidents are still evaluated and stored (so status shows them as muted, and the window's end
/// says what is still open), but their messages are not sent;</item>
/// <item>two things still page during maintenance (<see cref="StillPages"/>): a split brain (two writable
/// masters lose commits whatever anyone planned) and commits blocked longer than
/// <see cref="BlockedCommitsPageAfter"/> (planned work on one pair must not stall the writes of the whole
/// cluster for long without a person knowing: every transaction that touches that datanode waits).</item>
/// </list>
/// </summary>
public static class MaintenanceRules
{
    /// <summary>Blocked commits are muted for this long in a maintenance window, then paged (once per window).
    /// Five minutes: longer than a slave's planned restart, far shorter than a client's patience.</summary>
    public static readonly TimeSpan BlockedCommitsPageAfter = TimeSpan.FromMinutes(5);

    /// <summary>The assessment the automatic actions see: without the pairs in maintenance.</summary>
    public static ClusterAssessment ForAutomation(ClusterAssessment assessment, MaintenanceState state)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        ArgumentNullException.ThrowIfNull(state);
        return state.Mutes.Any(m => m.IsMaintenance)
            ? assessment with { Pairs = assessment.Pairs.Where(p => state.MaintenanceOf(p.Datanode) is null).ToArray() }
            : assessment;
    }

    /// <summary>Does <paramref name="incident"/> page even while muted (see the type summary)?</summary>
    public static bool StillPages(Incident incident, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(incident);
        return incident.Latest.Kind switch
        {
            AlertKinds.SplitBrain => true,
            AlertKinds.CommitsBlocked => now - incident.FirstSeenAt >= BlockedCommitsPageAfter,
            _ => false,
        };
    }

    /// <summary>
    /// Splits <paramref name="notifications"/> into what is sent and what is muted. The all-clear of an incident
    /// raised before its window began still goes out (the on-call who got the page must learn it is over).
    /// </summary>
    public static MutedRound Filter(IReadOnlyList<Notification> notifications, MaintenanceState state, Func<string, Incident?> find, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(find);
        var sent = new List<Notification>();
        var muted = new List<Notification>();
        foreach (var notification in notifications)
        {
            var mute = state.MuteOf(notification.IncidentKey);
            var incident = find(notification.IncidentKey);
            var passes = mute is null
                || (incident is not null && StillPages(incident, now))
                || (notification.Kind == NotificationKind.Cleared && incident?.RaisedAt is { } raised && raised < mute.StartedAt);
            (passes ? sent : muted).Add(notification);
        }
        return new MutedRound(sent, muted);
    }

    /// <summary>The incidents of <paramref name="active"/> that are muted now (open, raised, and under a window or silence).</summary>
    public static IReadOnlyList<(Incident Incident, Mute Mute)> MutedIncidents(IEnumerable<Incident> active, MaintenanceState state)
    {
        ArgumentNullException.ThrowIfNull(active);
        ArgumentNullException.ThrowIfNull(state);
        return active.Where(i => i.Status == IncidentStatus.Open)
            .Select(i => (Incident: i, Mute: state.MuteOf(i.Key)))
            .Where(x => x.Mute is not null)
            .Select(x => (x.Incident, x.Mute!))
            .OrderBy(x => x.Incident.Key, StringComparer.Ordinal)
            .ToArray();
    }
}
