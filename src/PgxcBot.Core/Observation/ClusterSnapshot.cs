using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Observation;

/// <summary>How a probe of one server ended.</summary>
public enum ProbeStatus
{
    /// <summary>Connected and every query answered.</summary>
    Ok,
    /// <summary>Connection refused or reset: nothing listens, or the host is down.</summary>
    Unreachable,
    /// <summary>No answer within the connect or command timeout (black-holed host, hung server).</summary>
    Timeout,
    /// <summary>The server runs but refuses queries (e.g. an XL hot standby without a GTM snapshot).</summary>
    NotQueryable,
    /// <summary>The server rejected our credentials.</summary>
    AuthenticationFailed,
    /// <summary>The server runs but cannot reach the GTM, so every query fails (Postgres-XC "can not connect
    /// to GTM", Postgres-XL "Could not obtain a transaction ID from GTM").</summary>
    GtmUnavailable,
    /// <summary>Anything else; <see cref="ServerProbe.Error"/> says what.</summary>
    Error,
    /// <summary>The bot did not contact the server: its own credentials are unavailable (an unset password
    /// variable, an unreadable password file). Says nothing about the server, so it is never judged as down.</summary>
    NotAttempted,
}

public enum ServerRole { Master, Slave }

/// <summary>One row of pg_stat_replication on a master: one WAL sender, i.e. one connected replication
/// client. The application_name is whatever the client chose to call itself; which client is the
/// configured slave is decided from its address (see <see cref="Assessment.SlaveWalSender"/>).</summary>
public sealed record ReplicationRow(
    string ApplicationName,
    string? ClientAddress,
    string State,
    string SyncState,
    Lsn? SentLsn,
    Lsn? WriteLsn,
    Lsn? FlushLsn,
    Lsn? ReplayLsn,
    TimeSpan? WriteLag,
    TimeSpan? FlushLag,
    TimeSpan? ReplayLag,
    DateTimeOffset? ReplyTime)
{
    /// <summary>The client's TCP port (pg_stat_replication.client_port); null over a Unix socket.</summary>
    public int? ClientPort { get; init; }

    /// <summary>The WAL sender's process id on the master.</summary>
    public int? Pid { get; init; }

    /// <summary>pg_stat_replication.backend_xmin: the xmin the standby reports with hot_standby_feedback
    /// (null when feedback is off, or before PostgreSQL 9.4, so always on Postgres-XC).</summary>
    public long? BackendXmin { get; init; }
}

/// <summary>What a server in recovery says about its own replication.</summary>
public sealed record StandbyFacts(
    Lsn? ReceiveLsn,
    Lsn? ReplayLsn,
    /// <summary>now() - pg_last_xact_replay_timestamp(); null when nothing was replayed yet.</summary>
    TimeSpan? ReplayDelay,
    /// <summary>pg_stat_wal_receiver.status (streaming, ...); null when no WAL receiver runs.</summary>
    string? WalReceiverStatus,
    string? SenderHost,
    int? SenderPort);

/// <summary>Everything a datanode server answered.</summary>
public sealed record ServerFacts(
    string ServerVersion,
    int ServerVersionNum,
    bool InRecovery,
    string SynchronousStandbyNames,
    string SynchronousCommit,
    /// <summary>pg_current_wal_lsn() on a master; null in recovery.</summary>
    Lsn? CurrentWalLsn,
    IReadOnlyList<ReplicationRow> Replication,
    StandbyFacts? Standby,
    /// <summary>Backends waiting for a synchronous standby (pg_stat_activity wait_event 'SyncRep').</summary>
    int SyncRepWaiters,
    /// <summary>pg_control_system().system_identifier: both servers of a pair must share it.</summary>
    string? SystemIdentifier,
    int? Timeline)
{
    /// <summary>
    /// The master's flushed WAL position (pg_current_wal_flush_lsn(); on 9.x the write position, which is
    /// at or after it): every commit the master acknowledged is at or before it. Null in recovery.
    /// </summary>
    public Lsn? FlushLsn { get; init; }

    /// <summary>How long the oldest commit waiting for a synchronous standby has waited (now() - query_start
    /// of the oldest 'SyncRep' waiter); null when none waits or the version cannot say (9.x).</summary>
    public TimeSpan? OldestSyncRepWait { get; init; }

    /// <summary>
    /// Which product answered, from its catalogs rather than its version string (Postgres-XC reports a plain
    /// "9.3.10"): pgxc_version() exists only on Postgres-XC, pgxc_node on XC and XL. Null when not asked.
    /// </summary>
    public Flavor? ReportedFlavor { get; init; }

    /// <summary>What keeps WAL on the server's disk (slots, archiver, settings); null when not read.</summary>
    public WalFacts? Wal { get; init; }

    /// <summary>The prepared (two-phase) transactions on the server, oldest first.</summary>
    public IReadOnlyList<PreparedTransaction> Prepared { get; init; } = [];

    /// <summary>Why the WAL and prepared-transaction watch could not be read (the rest of the facts stand).</summary>
    public string? WatchError { get; init; }

    /// <summary>True when the number of SyncRep waiters is known (PostgreSQL 9.6+ has wait_event; 9.x needs
    /// the process titles, see <see cref="ProcessFacts"/>).</summary>
    public bool SyncRepWaitersKnown { get; init; } = true;
}

/// <summary>The probe of one datanode server (a master or a slave, by the current topology).</summary>
public sealed record ServerProbe(
    string Datanode,
    ServerRole Role,
    ServerLocation Location,
    ProbeStatus Status,
    string? Error,
    TimeSpan Elapsed,
    ServerFacts? Facts)
{
    public bool Answered => Status == ProbeStatus.Ok && Facts is not null;

    /// <summary>What the server's host shows of it over the shell (process list, pg_controldata), where the
    /// bot asked: a standby that refuses SQL (stock Postgres-XL), a 9.x master's waiting commits. Null when
    /// not asked.</summary>
    public ProcessFacts? Process { get; init; }
}

public sealed record PairObservation(string Datanode, ServerProbe Master, ServerProbe? Slave)
{
    /// <summary>The fast commit watch's latest sighting of the slave confirming nothing while commits waited on
    /// this master, when fresh at the poll (see <see cref="SilentSlaveSighting"/>); null otherwise, and always
    /// outside the monitor (status, plans), which has no watch.</summary>
    public SilentSlaveSighting? SilentSlave { get; init; }
}

/// <summary>One row of a coordinator's pgxc_node catalog.</summary>
public sealed record PgxcNodeRow(string NodeName, char NodeType, string NodeHost, int NodePort);

public sealed record CoordinatorProbe(
    string Coordinator,
    string Address,
    int Port,
    ProbeStatus Status,
    string? Error,
    TimeSpan Elapsed,
    string? ServerVersion,
    IReadOnlyList<PgxcNodeRow> Nodes)
{
    public bool Answered => Status == ProbeStatus.Ok;
}

/// <summary>The probe of the GTM or of one GTM proxy (its own protocol: <see cref="Gtm.IGtmClient.ProbeAsync"/>).</summary>
/// <param name="Name">"gtm", or the proxy's name.</param>
/// <param name="CheckedAt">When it was asked: a GTM is probed at most every few seconds, so it may be older than the snapshot.</param>
public sealed record GtmObservation(string Name, string Endpoint, bool IsProxy, Gtm.GtmCallStatus Status, string? Error, TimeSpan Elapsed, DateTimeOffset CheckedAt)
{
    public bool Answered => Status == Gtm.GtmCallStatus.Ok;
}

/// <summary>An immutable picture of the whole cluster, taken at one time.</summary>
public sealed record ClusterSnapshot(
    DateTimeOffset TakenAt,
    TimeSpan Elapsed,
    IReadOnlyList<PairObservation> Pairs,
    IReadOnlyList<CoordinatorProbe> Coordinators)
{
    /// <summary>The GTM and its proxies, when the config names them (Postgres-XC/XL); empty otherwise.</summary>
    public IReadOnlyList<GtmObservation> Gtm { get; init; } = [];
}
