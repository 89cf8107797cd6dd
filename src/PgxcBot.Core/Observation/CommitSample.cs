namespace PgxcBot.Core.Observation;

/// <summary>
/// One look of the fast commit watch at a master (one light query on a connection kept open): how many
/// sessions wait for a synchronous standby right now and what the master's WAL senders report. Source:
/// pg_stat_activity.wait_event = 'SyncRep' (9.6+), pg_stat_replication (reply_time 12+).
/// </summary>
/// <param name="At">When the answer came, by the bot's clock.</param>
/// <param name="InRecovery">The server is a standby (then nothing of this sample matters).</param>
/// <param name="Waiters">Sessions whose commit waits for a synchronous standby.</param>
/// <param name="Senders">The master's WAL senders.</param>
public sealed record CommitSample(DateTimeOffset At, bool InRecovery, int Waiters, IReadOnlyList<CommitWatchSender> Senders)
{
    /// <summary>When the master ran the sample, by its own clock (clock_timestamp()); null when the source does not
    /// say. Silences are measured on it when given: the bot's receipt time also counts the bot's own delays (a GC
    /// pause, a read that waited for a thread), and a sample taken before such a delay but read after it would
    /// stretch the slave's silence by the delay.</summary>
    public DateTimeOffset? MasterClock { get; init; }

    /// <summary>The master's WAL write position at the sample (pg_current_wal_lsn()); null in recovery or when the
    /// source does not say. A position that does not move between samples is a master nobody writes to.</summary>
    public Lsn? WalPosition { get; init; }
}

/// <summary>One WAL sender as the fast watch sees it.</summary>
/// <param name="ApplicationName">pg_stat_replication.application_name.</param>
/// <param name="ClientAddress">client_addr as text; null over a Unix socket.</param>
/// <param name="State">streaming, catchup, startup, backup, stopping.</param>
/// <param name="FlushLsn">What the standby confirmed as flushed.</param>
/// <param name="ReplyTime">When the standby last replied, by the master's clock (12+; null before).</param>
public sealed record CommitWatchSender(string ApplicationName, string? ClientAddress, string State, Lsn? FlushLsn, DateTimeOffset? ReplyTime);

/// <summary>Opens fast commit watches on masters (one adapter per outside system: PostgreSQL).</summary>
public interface ICommitWatchSource
{
    /// <summary>Connects to <paramref name="master"/> and keeps the connection for the returned session.</summary>
    /// <returns>A session, or one whose <see cref="ICommitWatchSession.Unsupported"/> says why this server cannot
    /// be watched this way (e.g. Postgres-XC 9.3 has no wait_event).</returns>
    /// <exception cref="Exception">Connection failures (the caller retries later; the 1 s poll reports the server).</exception>
    Task<ICommitWatchSession> OpenAsync(Topology.ClusterTopology topology, Topology.ServerLocation master, CancellationToken cancellationToken);

    /// <summary>Connects to <paramref name="server"/> (a master's slave) only to hear at once when the server ends the
    /// connection: nothing is sent on it, so it costs neither side a wake-up while all is well.</summary>
    /// <returns>The link, or null when this source cannot keep one (the default).</returns>
    /// <exception cref="Exception">Connection failures (the caller retries later).</exception>
    Task<IServerLink?> LinkAsync(Topology.ClusterTopology topology, Topology.ServerLocation server, CancellationToken cancellationToken) =>
        Task.FromResult<IServerLink?>(null);
}

/// <summary>
/// A connection held open to a server and never used: when the server's processes end (killed, crashed, stopped, its
/// host shut down) the kernel closes it and <see cref="Lost"/> completes within milliseconds, where a sample taken
/// every few hundred milliseconds would see the loss only at its next turn. A server that vanishes without closing
/// its connections (a power cut, a partition) is not heard here: the samples and the 1 s poll find it.
/// </summary>
public interface IServerLink : IAsyncDisposable
{
    /// <summary>Completes when the connection ended without <see cref="IAsyncDisposable.DisposeAsync"/> being called
    /// (the server closed it or it broke); never faults.</summary>
    Task Lost { get; }
}

/// <summary>A watch on one master over one open connection.</summary>
public interface ICommitWatchSession : IAsyncDisposable
{
    /// <summary>Why the fast path cannot watch this server (null when it can).</summary>
    string? Unsupported { get; }

    /// <summary>One sample; throws when the connection fails or <paramref name="timeout"/> passes.</summary>
    Task<CommitSample> SampleAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>After a sample timed out: waits until that sample has ended and says whether the session can go on
    /// (true: the master answered, late; false: the connection failed, open another). Sessions that cannot tell say
    /// false. Going on matters on a loaded master: a new session costs it a process start, and reconnecting at every
    /// slow sample made a busy host busier until nothing answered in time (64 lab pairs on 2 cores).</summary>
    Task<bool> SettledAsync(CancellationToken cancellationToken) => Task.FromResult(false);
}
