namespace PgxcBot.Core.Monitoring;

/// <summary>
/// A maintenance window (<see cref="Kind"/> null: every alert of <see cref="Subject"/> is muted and the
/// monitor takes no automatic action on it) or a silence (one alert kind on one subject, automatic actions
/// unchanged). Stored (migration 8) and read by the monitor at every poll, so a restart keeps it and every
/// process sees the same one. Ends by itself at <see cref="EndsAt"/>.
/// </summary>
/// <param name="Id">The store's number (0 before it is stored).</param>
/// <param name="Subject">A datanode, or <see cref="EveryDatanode"/> for <c>--all</c>.</param>
/// <param name="Kind">An <see cref="AlertKinds"/> value for a silence; null for maintenance.</param>
/// <param name="SetBy">Who set it, as chat shows them.</param>
/// <param name="Reason">Why (free text, as given with --reason).</param>
public sealed record Mute(long Id, string Subject, string? Kind, string SetBy, string Reason, DateTimeOffset StartedAt, DateTimeOffset EndsAt)
{
    /// <summary>The subject of <c>/pgxc maintenance --all</c>: every datanode, coordinator and host.</summary>
    public const string EveryDatanode = "*";

    /// <summary>When it ended early or expired, and who ended it ("expired" at expiry); null while it lasts.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Who ended it (null while it lasts; "expiry" when it ran out).</summary>
    public string? EndedBy { get; init; }

    /// <summary>Who approved the request that set it (migration 9; null for a window stored before approvals).</summary>
    public string? ApprovedBy { get; init; }

    public bool IsMaintenance => Kind is null;

    /// <summary>Does it cover an alert on <paramref name="subject"/> of <paramref name="kind"/>?</summary>
    public bool Covers(string subject, string kind) =>
        (Subject == EveryDatanode || string.Equals(Subject, subject, StringComparison.Ordinal))
        && (Kind is null || string.Equals(Kind, kind, StringComparison.Ordinal));

    /// <summary>What it is called in messages: "maintenance of datanode1", "silence of datanode1/lag".</summary>
    public string Name => (IsMaintenance ? "maintenance of " : "silence of ") + (Subject == EveryDatanode ? "the whole cluster" : Subject) + (Kind is null ? "" : "/" + Kind);
}

/// <summary>Who owns an incident: set by <c>/pgxc ack</c>, removed by <c>/pgxc unack</c> or when the incident ends.</summary>
/// <param name="IncidentKey">subject/kind, as alerts show it (e.g. datanode1/slave-lost).</param>
public sealed record Acknowledgement(string IncidentKey, string Owner, string? Note, DateTimeOffset At);

/// <summary>
/// A request for a maintenance window or a silence, waiting for a second authorised person
/// (<see cref="Operations.ApprovalPolicy.CanApproveMute"/>): the window starts when it is approved and lasts
/// <see cref="For"/> from then. Stored (migration 9); a newer request of the same subject and kind replaces it.
/// </summary>
/// <param name="Id">The store's number (0 before it is stored); the Approve button carries it.</param>
/// <param name="RequestedById">The requester's chat id (compared with the approver's: nobody approves their own).</param>
/// <param name="RequestedBy">The requester as chat shows them.</param>
/// <param name="ExpiresAt">Not approvable from then on (the approval window of operations, approvals.expiry).</param>
public sealed record MuteRequest(long Id, string Subject, string? Kind, string RequestedById, string RequestedBy, string Reason, TimeSpan For,
    DateTimeOffset RequestedAt, DateTimeOffset ExpiresAt)
{
    /// <summary>awaiting, approved, replaced (by a newer request) or expired.</summary>
    public string State { get; init; } = Awaiting;

    /// <summary>Who approved it (null until then).</summary>
    public string? DecidedBy { get; init; }

    public const string Awaiting = "awaiting";
    public const string Approved = "approved";
    public const string Replaced = "replaced";

    public bool IsMaintenance => Kind is null;

    /// <summary>The window it asks for, as it would be named: "maintenance of datanode1".</summary>
    public string Name => new Mute(0, Subject, Kind, RequestedBy, Reason, RequestedAt, RequestedAt).Name;

    /// <summary>The window it sets when approved at <paramref name="at"/> by <paramref name="approvedBy"/>.</summary>
    public Mute ToMute(string approvedBy, DateTimeOffset at) =>
        new(0, Subject, Kind, RequestedBy, Reason, at, at + For) { ApprovedBy = approvedBy };
}

/// <summary>What an approval of a <see cref="MuteRequest"/> did: the window it set and the one it replaced, or
/// (<see cref="Stored"/> null) the request as it stands (already approved, replaced, expired or unknown).</summary>
public sealed record MuteApproval(Mute? Stored, Mute? Replaced, MuteRequest? Request);
