using System.Text.Json.Serialization;

namespace PgxcBot.Core.Monitoring;

/// <summary>
/// Where the monitor's own handling of a lost sync slave stands: its async switch (clearing
/// <c>synchronous_standby_names</c>, <c>/pgxc async</c>) and, once the slave is back, its sync switch (<c>/pgxc sync</c>).
/// </summary>
/// <remarks>Stored by name in the monitor's store (<c>monitor_degrade.document</c>); the names written by earlier bots
/// (Degrading, Degraded, Resyncing) are kept as the stored spelling so that a store survives an upgrade either way.</remarks>
public enum AsyncSwitchPhase
{
    /// <summary>The async switch is running.</summary>
    [JsonStringEnumMemberName("Degrading")]
    SwitchingToAsync,
    /// <summary>The monitor switched the pair to async; it switches it back to sync once the slave has caught up.</summary>
    [JsonStringEnumMemberName("Degraded")]
    SwitchedToAsync,
    /// <summary>The sync switch is running.</summary>
    [JsonStringEnumMemberName("Resyncing")]
    SwitchingToSync,
    /// <summary>Policy ask: the monitor offered a button and waits for a person.</summary>
    Offered,
    /// <summary>The last switch failed; retried after <see cref="AsyncSwitchRecord.RetryAfter"/>.</summary>
    Failed,
}

/// <summary>
/// The monitor's memory of one pair it switched to async (stored, so that a restarted bot still switches it back
/// to sync and does not switch twice).
/// </summary>
/// <param name="LostAt">Best estimate of when the slave stopped acknowledging: its last reply (frozen), or
/// the last poll that saw it streaming.</param>
/// <param name="LostEvidence">How <paramref name="LostAt"/> was judged, in words.</param>
/// <param name="BlockedSeenAt">The first poll that saw commits blocked.</param>
/// <param name="ReleasedAt">When the async switch completed (commits flow again).</param>
public sealed record AsyncSwitchRecord(
    string Datanode,
    AsyncSwitchPhase Phase,
    DateTimeOffset LostAt,
    string LostEvidence,
    DateTimeOffset BlockedSeenAt,
    DateTimeOffset? ReleasedAt,
    long? OperationId,
    DateTimeOffset? RetryAfter)
{
    /// <summary>When the first commit started waiting for the lost slave (the oldest waiter's start, 9.6+; the
    /// estimated loss on 9.x); null when none waited or unknown (a record written by an older bot).</summary>
    public DateTimeOffset? FirstWaitAt { get; init; }

    /// <summary>The master showed that no commit was waiting when the bot switched to async: the slave was
    /// unresponsive, but nobody was writing.</summary>
    public bool NoCommitWaited { get; init; }

    /// <summary>How long commits waited: from the first waiting commit to the release; zero when none waited.
    /// A record without <see cref="FirstWaitAt"/> (older bot) counts from the estimated loss.</summary>
    public TimeSpan? BlockedFor => NoCommitWaited ? TimeSpan.Zero : ReleasedAt - (FirstWaitAt ?? LostAt);
}

/// <summary>How an operation the monitor started ended.</summary>
/// <param name="Summary">The operation's result, or why it was refused.</param>
public sealed record MonitorOperationOutcome(bool Succeeded, long? OperationId, string Summary, DateTimeOffset FinishedAt);
