namespace PgxcBot.Core.Assessment;

/// <summary>The stable <see cref="Problem.Code"/> values. Alerts dedupe and runbooks match on these, so
/// a code is never renamed once released.</summary>
public static class ProblemCodes
{
    public const string SlaveNotStreaming = "slave-not-streaming";
    public const string SlaveFrozen = "slave-frozen";
    public const string CommitsBlocked = "commits-blocked";
    public const string ReplicationAsync = "replication-async";
    public const string NoSlaveConfigured = "no-slave-configured";
    public const string LagWarning = "lag-warning";
    public const string LagCritical = "lag-critical";
    public const string MasterUnreachable = "master-unreachable";
    public const string MasterUnobservable = "master-unobservable";
    public const string SlaveUnobservable = "slave-unobservable";
    public const string SlavePromoted = "slave-promoted";
    public const string SplitBrain = "split-brain";
    public const string NoMaster = "no-master";
    public const string SlaveNotQueryable = "slave-not-queryable";
    public const string SystemIdentifierMismatch = "system-identifier-mismatch";
    public const string SlaveFollowsOtherHost = "slave-follows-other-host";
    /// <summary>The slave streams under another application_name than the one the master waits for.</summary>
    public const string SlaveNameMismatch = "slave-name-mismatch";
    /// <summary>Other replication clients carry the slave's name, or several could be the slave.</summary>
    public const string ReplicationClientConflict = "replication-client-conflict";
    public const string PairNotObserved = "pair-not-observed";
    /// <summary>A replication slot holds back WAL (inactive, far behind, or it lost WAL it needed).</summary>
    public const string WalSlotRetaining = "wal-slot-retaining";
    /// <summary>archive_command fails: every segment since the last archived one is kept.</summary>
    public const string WalArchivingFailing = "wal-archiving-failing";
    /// <summary>The WAL directory holds more than the thresholds allow.</summary>
    public const string WalRetained = "wal-retained";
    /// <summary>The WAL and prepared-transaction watch could not be read on a master.</summary>
    public const string WatchUnreadable = "watch-unreadable";
    /// <summary>A prepared (two-phase) transaction older than the threshold, or left in doubt by a promote.</summary>
    public const string PreparedTransactionStuck = "prepared-transaction-stuck";
    /// <summary>A Postgres-XL slave sends hot_standby_feedback: its xmin can fall behind the GTM's global
    /// xmin and the master's cluster monitor then PANICs.</summary>
    public const string XlStandbyFeedback = "xl-standby-feedback";
    /// <summary>The GTM does not answer, or nodes cannot reach it: every transaction fails.</summary>
    public const string GtmUnreachable = "gtm-unreachable";
    public const string GtmProxyUnreachable = "gtm-proxy-unreachable";
    public const string CredentialsUnavailable = "credentials-unavailable";
    public const string CoordinatorUnreachable = "coordinator-unreachable";
    public const string CoordinatorWrongTarget = "coordinator-wrong-target";
    public const string CoordinatorMissingNode = "coordinator-missing-node";
    public const string CoordinatorsDisagree = "coordinators-disagree";
}
