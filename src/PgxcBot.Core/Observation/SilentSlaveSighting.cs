namespace PgxcBot.Core.Observation;

/// <summary>
/// What the fast commit watch saw on a master, from its samples every few tens of milliseconds: commits waited
/// for a synchronous standby while the pair's slave (its own WAL sender, by address and name) confirmed nothing
/// for <see cref="SilentFor"/>, more than <see cref="SilentAfter"/> (three times its own recent pace, at least
/// 300 ms: <see cref="Monitoring.CommitWatchRule"/>). Measured on the bot's clock between samples of the master,
/// so no clock of the slave enters it. A poll carries it in its <see cref="PairObservation"/> only while it is
/// fresh (<see cref="FreshFor"/>), only for the master it was taken on, and only while the poll's own row of the
/// slave's WAL sender still shows the confirmation the watch last saw (<see cref="LastsAt"/>).
/// </summary>
/// <param name="Master">address:port of the master the samples came from.</param>
/// <param name="At">The sample that saw it, by the bot's clock.</param>
/// <param name="Waiters">Sessions waiting for a synchronous standby in that sample.</param>
/// <param name="SilentFor">How long the slave had confirmed nothing (flush position and reply time unchanged) while commits waited.</param>
/// <param name="SilentAfter">The silence the rule allowed before calling it silent.</param>
public sealed record SilentSlaveSighting(string Master, DateTimeOffset At, int Waiters, TimeSpan SilentFor, TimeSpan SilentAfter)
{
    /// <summary>A sighting older than this when a poll starts says nothing about that poll (the watch samples every
    /// 50 ms and repeats a sighting while the silence lasts, at least every 550 ms).</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(1.5);

    /// <summary>The slave's last confirmed flush position as the watch saw it (pg_stat_replication.flush_lsn on the
    /// master); null when the master did not say.</summary>
    public Lsn? LastFlush { get; init; }

    /// <summary>The slave's last reply as the watch saw it (pg_stat_replication.reply_time, the master's clock, 12+);
    /// null before PostgreSQL 12.</summary>
    public DateTimeOffset? LastReply { get; init; }

    /// <summary>
    /// Whether the silence still lasts at a poll whose row of the slave's WAL sender is <paramref name="row"/>: the
    /// slave has confirmed nothing since the watch saw it silent (same flush position, same reply time). A slave that
    /// confirmed anything in between is alive, however long it paused: a stall of one second (a slow fsync on the
    /// slave, a loaded host) ended before the poll is not a frozen slave, and its commits are not blocked.
    /// </summary>
    public bool LastsAt(ReplicationRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.FlushLsn == LastFlush && row.ReplyTime == LastReply;
    }
}
