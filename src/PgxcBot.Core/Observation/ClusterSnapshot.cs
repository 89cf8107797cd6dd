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
    /// <summary>Anything else; <see cref="ServerProbe.Error"/> says what.</summary>
    Error,
    /// <summary>The bot did not contact the server: its own credentials are unavailable (an unset password
    /// variable, an unreadable password file). Says nothing about the server, so it is never judged as down.</summary>
    NotAttempted,
}

public enum ServerRole { Master, Slave }

/// <summary>One row of pg_stat_replication on a master.</summary>
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
    DateTimeOffset? ReplyTime);

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
    int? Timeline);

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
}

public sealed record PairObservation(string Datanode, ServerProbe Master, ServerProbe? Slave);

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

/// <summary>An immutable picture of the whole cluster, taken at one time.</summary>
public sealed record ClusterSnapshot(
    DateTimeOffset TakenAt,
    TimeSpan Elapsed,
    IReadOnlyList<PairObservation> Pairs,
    IReadOnlyList<CoordinatorProbe> Coordinators);
