namespace PgxcBot.Core.Timeline;

/// <summary>What a timeline entry is. Stable names: they are the <c>kind</c> of <c>pgxcbot timeline --json</c>.</summary>
public enum TimelineEventKind
{
    /// <summary>The pair's stored state changed (observed, or after an operation).</summary>
    Transition,
    IncidentRaised,
    IncidentReminded,
    IncidentReopened,
    IncidentCleared,
    /// <summary>Someone asked for an operation (or the monitor started one itself).</summary>
    Requested,
    /// <summary>A command was refused: who, what, why.</summary>
    Refused,
    Approved,
    Replanned,
    Started,
    Resumed,
    /// <summary>One step of an operation, from its start to its end, with its result.</summary>
    Step,
    Succeeded,
    Failed,
    Cancelled,
    Expired,
    Abandoned,
    Interrupted,
    /// <summary>The request accepted losing the commits the slave had not received (promote --accept-data-loss).</summary>
    DataLossAccepted,
    /// <summary>Commits on the master waited for a lost synchronous slave, from the first sighting to the release.</summary>
    CommitsBlocked,
}

/// <summary>
/// One entry of an incident timeline: when (UTC), which subject (datanode or coordinator), what, by whom; an entry that
/// lasts (a step, a commits-blocked window) has an end (null: still going at the timeline's end).
/// </summary>
/// <param name="Subject">The datanode (or coordinator, for its incidents).</param>
/// <param name="Text">What happened, in words (the reason, the step's title, the refusal's reason).</param>
/// <param name="By">Who did it (display name); null for the bot or an observation.</param>
/// <param name="Result">A step's or operation's outcome ("ok: verified ...", "failed: ..."), when it has one.</param>
/// <param name="OperationId">The operation it belongs to, when it does.</param>
/// <param name="IncidentKey">For an incident's events, its key (subject/kind): raised and cleared pair up by it.</param>
public sealed record TimelineEvent(
    DateTimeOffset At,
    string Subject,
    TimelineEventKind Kind,
    string Text,
    string? By = null,
    DateTimeOffset? EndedAt = null,
    string? Result = null,
    long? OperationId = null,
    string? IncidentKey = null)
{
    /// <summary>True for an entry that lasts (a step, a commits-blocked window), even one still going.</summary>
    public bool IsSpan => Kind is TimelineEventKind.Step or TimelineEventKind.CommitsBlocked;

    /// <summary>End minus start; null for an instant or a span still going.</summary>
    public TimeSpan? Duration => EndedAt is { } end ? end - At : null;
}

/// <summary>
/// The story of an incident: every event from <see cref="From"/> to <see cref="To"/>, oldest first, for one datanode
/// (<see cref="Datanode"/>) or all (null).
/// </summary>
public sealed record IncidentTimeline(string? Datanode, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<TimelineEvent> Events)
{
    /// <summary>The commits-blocked windows; one still going is counted up to <see cref="To"/>.</summary>
    public IEnumerable<TimelineEvent> CommitsBlocked => Events.Where(e => e.Kind == TimelineEventKind.CommitsBlocked);

    /// <summary>How long commits waited in all, within the timeline (a window still going counts up to <see cref="To"/>).</summary>
    public TimeSpan CommitsBlockedTotal => CommitsBlocked.Aggregate(TimeSpan.Zero, (sum, e) => sum + ((e.EndedAt ?? To) - e.At));
}
