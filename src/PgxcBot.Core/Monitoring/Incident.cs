using PgxcBot.Core.Assessment;

namespace PgxcBot.Core.Monitoring;

/// <summary>Where an incident stands.</summary>
public enum IncidentStatus
{
    /// <summary>Seen, but not yet in enough consecutive polls to alert (flap damping).</summary>
    Pending,
    /// <summary>Alerted; still going.</summary>
    Open,
    /// <summary>Cleared, but within the reopen window: if it comes back, it is this incident again.</summary>
    Resolving,
    /// <summary>Over; a return is a new incident.</summary>
    Closed,
}

/// <summary>
/// One incident: a problem of one kind on one subject, from its first sighting to its end. Stored at
/// every change, so that a restarted bot neither raises an open incident again nor forgets to clear it.
/// </summary>
/// <param name="Latest">What the last poll said about it (reminders repeat it).</param>
/// <param name="ConsecutiveSeen">Polls in a row it was seen (damping towards raise or reopen).</param>
/// <param name="ConsecutiveMissing">Polls in a row it was absent (damping towards clear).</param>
/// <param name="Reopens">How often it came back within the reopen window (flapping).</param>
public sealed record Incident(
    string Key,
    IncidentStatus Status,
    AlertCandidate Latest,
    DateTimeOffset FirstSeenAt,
    DateTimeOffset LastSeenAt,
    int ConsecutiveSeen,
    int ConsecutiveMissing,
    DateTimeOffset? RaisedAt,
    DateTimeOffset? LastNotifiedAt,
    DateTimeOffset? ClearedAt,
    int Reopens,
    Severity WorstSeverity);
