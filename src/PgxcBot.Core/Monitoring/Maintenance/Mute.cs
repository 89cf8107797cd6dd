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
