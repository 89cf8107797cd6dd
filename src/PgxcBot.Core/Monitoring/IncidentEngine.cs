using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;

namespace PgxcBot.Core.Monitoring;

/// <summary>The notifications of one round and the incidents that changed (to be stored).</summary>
public sealed record IncidentRound(IReadOnlyList<Notification> Notifications, IReadOnlyList<Incident> Changed)
{
    public static IncidentRound Empty { get; } = new([], []);
}

/// <summary>
/// Turns per-poll alert candidates into incidents and the few messages a person should get:
/// <list type="bullet">
/// <item>raised once, after <see cref="AlertSettings.FlapPolls"/> consecutive sightings;</item>
/// <item>a reminder every <see cref="AlertSettings.Reminder"/> while it lasts, and at once when it gets worse;</item>
/// <item>cleared after as many consecutive polls without it; a return within
/// <see cref="AlertSettings.ReopenWindow"/> reopens the same incident: the first return is announced as
/// flapping, later ones are only counted, and the final all-clear waits until it stayed away for the
/// whole window.</item>
/// </list>
/// Not thread-safe: the monitor calls it from its loop (and under its lock).
/// </summary>
public sealed class IncidentEngine
{
    private readonly AlertSettings _settings;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Incident> _incidents = new(StringComparer.Ordinal);

    public IncidentEngine(AlertSettings settings, TimeProvider time, IEnumerable<Incident>? restored = null)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        foreach (var incident in restored ?? [])
            if (incident.Status is IncidentStatus.Open or IncidentStatus.Resolving)
                _incidents[incident.Key] = incident;
    }

    /// <summary>Who owns an incident (<c>/pgxc ack</c>), by key; its reminders name the owner instead of
    /// repeating the page. Set by the monitor from the stored state at each poll.</summary>
    public Func<string, Acknowledgement?> Owners { get; set; } = _ => null;

    /// <summary>Incidents not yet closed (pending ones included).</summary>
    public IReadOnlyCollection<Incident> Active => _incidents.Values;

    public Incident? Find(string key) => _incidents.GetValueOrDefault(key);

    /// <summary>One poll: <paramref name="seen"/> is everything alert-worthy the poll found; <paramref name="held"/>
    /// the keys of what an operation explains this poll (<see cref="AlertRules.Held"/>): an incident under such a
    /// key is left exactly as it is (neither seen nor missing), so it neither reminds, clears nor counts as
    /// flapping while the bot's own operation runs, and gets its one all-clear once the operation has fixed it.
    /// <paramref name="unobserved"/> are the subjects (a datanode, a coordinator, host/NAME) this poll
    /// could not look at: the bot could not authenticate, or an SSH check has not come to a verdict yet
    /// (e.g. just after a restart). Their incidents are left as they are, neither seen nor missing: a
    /// non-observation must not announce a recovery, which the next real observation would then take back.</summary>
    public IncidentRound Evaluate(IReadOnlyList<AlertCandidate> seen, IReadOnlySet<string>? held = null, IReadOnlySet<string>? unobserved = null)
    {
        ArgumentNullException.ThrowIfNull(seen);
        var now = _time.GetUtcNow();
        var notifications = new List<Notification>();
        var changed = new List<Incident>();
        var seenKeys = new HashSet<string>(StringComparer.Ordinal);

        foreach (var candidate in seen)
        {
            if (!seenKeys.Add(candidate.Key)) continue;
            var (next, note) = Seen(_incidents.GetValueOrDefault(candidate.Key), candidate, now);
            Apply(next, note, notifications, changed);
        }
        foreach (var incident in _incidents.Values.Where(i => !seenKeys.Contains(i.Key)
                     && (held is null || !AlertRules.Holds(held, i.Key))
                     && unobserved?.Contains(i.Latest.Subject) != true).ToArray())
        {
            var (next, note) = Missing(incident, now);
            Apply(next, note, notifications, changed);
        }
        return new IncidentRound(notifications, changed);
    }

    /// <summary>
    /// Opens (or updates) an incident at once, without damping, with <paramref name="message"/>: for what
    /// the monitor did by itself (switched a pair to async) or what cannot wait for a second poll
    /// (commits blocked, policy ask). Raised when it was not open yet, otherwise a reminder-kind update.
    /// </summary>
    public IncidentRound Announce(AlertCandidate candidate, ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(message);
        var now = _time.GetUtcNow();
        var existing = _incidents.GetValueOrDefault(candidate.Key);
        var wasOpen = existing?.Status == IncidentStatus.Open;
        var incident = (existing ?? New(candidate, now)) with
        {
            Status = IncidentStatus.Open,
            Latest = candidate,
            LastSeenAt = now,
            ConsecutiveMissing = 0,
            RaisedAt = existing?.RaisedAt ?? now,
            LastNotifiedAt = now,
            ClearedAt = null,
            WorstSeverity = Max(existing?.WorstSeverity ?? candidate.Severity, candidate.Severity),
        };
        _incidents[incident.Key] = incident;
        var kind = wasOpen ? NotificationKind.Reminder : NotificationKind.Raised;
        return new IncidentRound([new Notification(incident.Key, kind, message, Page(candidate.Severity))], [incident]);
    }

    /// <summary>
    /// Ends an open incident without a message of its own, because the caller sends the one all-clear (the
    /// autopilot's "back in sync" for a slave-lost incident it held). The incident goes to Resolving, as a
    /// cleared one does, so a return within the reopen window is still the same incident.
    /// </summary>
    public IncidentRound Resolve(string key)
    {
        if (_incidents.GetValueOrDefault(key) is not { Status: IncidentStatus.Open or IncidentStatus.Pending } incident) return IncidentRound.Empty;
        var now = _time.GetUtcNow();
        if (incident.Status == IncidentStatus.Pending)
        {
            _incidents.Remove(key);
            return IncidentRound.Empty;
        }
        var resolved = incident with { Status = IncidentStatus.Resolving, ClearedAt = now, LastNotifiedAt = now, ConsecutiveSeen = 0 };
        _incidents[key] = resolved;
        return new IncidentRound([], [resolved]);
    }

    /// <summary>An extra message on an incident (e.g. "sync re-enabled" after the slave-lost incident
    /// cleared); changes no state.</summary>
    public static Notification Say(string key, NotificationKind kind, ChatMessage message) => new(key, kind, message);

    private (Incident Next, Notification? Note) Seen(Incident? incident, AlertCandidate candidate, DateTimeOffset now)
    {
        if (incident is null || incident.Status == IncidentStatus.Closed)
            incident = New(candidate, now);
        else
            incident = incident with
            {
                Latest = candidate,
                LastSeenAt = now,
                ConsecutiveSeen = incident.ConsecutiveSeen + 1,
                ConsecutiveMissing = 0,
            };

        switch (incident.Status)
        {
            case IncidentStatus.Pending when incident.ConsecutiveSeen >= _settings.FlapPolls || candidate.RaiseNow:
                incident = incident with { Status = IncidentStatus.Open, RaisedAt = now, LastNotifiedAt = now, WorstSeverity = candidate.Severity };
                return (incident, new Notification(incident.Key, NotificationKind.Raised, IncidentMessages.Raised(incident), Page(candidate.Severity)));

            case IncidentStatus.Resolving when incident.ConsecutiveSeen >= _settings.FlapPolls:
                incident = incident with { Status = IncidentStatus.Open, ClearedAt = null, Reopens = incident.Reopens + 1 };
                if (incident.Reopens > 1) return (incident, null); // already announced as flapping
                incident = incident with { LastNotifiedAt = now };
                return (incident, new Notification(incident.Key, NotificationKind.Reminder, IncidentMessages.Returned(incident, now)));

            case IncidentStatus.Open when candidate.Severity > incident.WorstSeverity:
                incident = incident with { WorstSeverity = candidate.Severity, LastNotifiedAt = now };
                var worse = IncidentMessages.Worse(incident, now);
                // An owned incident that gets worse still pages, and says who is on it.
                if (Owners(incident.Key) is { } taken) worse = worse with { Lines = [.. worse.Lines, $"It is {MaintenanceMessages.Owned(taken)}."] };
                return (incident, new Notification(incident.Key, NotificationKind.Reminder, worse, Page(candidate.Severity)));

            case IncidentStatus.Open when now - (incident.LastNotifiedAt ?? incident.RaisedAt ?? now) >= _settings.Reminder:
                incident = incident with { LastNotifiedAt = now };
                var owner = Owners(incident.Key);
                return (incident, new Notification(incident.Key, NotificationKind.Reminder,
                    owner is null ? IncidentMessages.Reminder(incident, now) : MaintenanceMessages.OwnedReminder(incident, owner, now)));

            default:
                return (incident, null);
        }
    }

    private (Incident? Next, Notification? Note) Missing(Incident incident, DateTimeOffset now)
    {
        switch (incident.Status)
        {
            case IncidentStatus.Pending:
                return (incident with { Status = IncidentStatus.Closed, ConsecutiveSeen = 0 }, null);

            case IncidentStatus.Open:
                incident = incident with { ConsecutiveSeen = 0, ConsecutiveMissing = incident.ConsecutiveMissing + 1 };
                if (incident.ConsecutiveMissing < _settings.FlapPolls) return (incident, null);
                incident = incident with { Status = IncidentStatus.Resolving, ClearedAt = now };
                // A flapping incident gets its all-clear only once it has stayed away for the whole window.
                if (incident.Reopens > 0) return (incident, null);
                incident = incident with { LastNotifiedAt = now };
                return (incident, new Notification(incident.Key, NotificationKind.Cleared, IncidentMessages.Cleared(incident, now)));

            case IncidentStatus.Resolving:
                incident = incident with { ConsecutiveSeen = 0, ConsecutiveMissing = incident.ConsecutiveMissing + 1 };
                if (now - incident.ClearedAt!.Value < _settings.ReopenWindow) return (incident, null);
                incident = incident with { Status = IncidentStatus.Closed };
                return incident.Reopens > 0
                    ? (incident, new Notification(incident.Key, NotificationKind.Cleared, IncidentMessages.SettledAfterFlapping(incident, now)))
                    : (incident, null);

            default:
                return (null, null);
        }
    }

    private void Apply(Incident? next, Notification? note, List<Notification> notifications, List<Incident> changed)
    {
        if (next is null) return;
        var before = _incidents.GetValueOrDefault(next.Key);
        if (next.Status == IncidentStatus.Closed) _incidents.Remove(next.Key);
        else _incidents[next.Key] = next;
        if (note is not null) notifications.Add(note);
        // Pending sightings are cheap to lose; everything from the raise on is stored.
        var stored = next.Status != IncidentStatus.Pending || before?.Status is IncidentStatus.Open or IncidentStatus.Resolving;
        if (stored && next.RaisedAt is not null && !Equals(before, next)) changed.Add(next);
    }

    private static Incident New(AlertCandidate candidate, DateTimeOffset now) =>
        new(candidate.Key, IncidentStatus.Pending, candidate, now, now, 1, 0, null, null, null, 0, candidate.Severity);

    private static Severity Max(Severity a, Severity b) => a > b ? a : b;

    private static bool Page(Severity severity) => severity >= Severity.Critical;
}
