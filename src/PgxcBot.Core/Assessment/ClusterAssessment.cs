using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Assessment;

/// <summary>What the servers of a pair show right now, before any stored state is considered.</summary>
public enum ObservedCondition
{
    /// <summary>Master writable, slave streaming and listed as the synchronous standby.</summary>
    Sync,
    /// <summary>Master writable, slave streaming asynchronously (or not named in synchronous_standby_names).</summary>
    Async,
    /// <summary>Master writable, slave not streaming (down, stopped, frozen or disconnected).</summary>
    SlaveLost,
    /// <summary>Master unreachable; the slave (if any) is still in recovery.</summary>
    MasterLost,
    /// <summary>The configured slave is writable and the master is gone: a promote has happened.</summary>
    Promoted,
    /// <summary>Both servers writable.</summary>
    SplitBrain,
    /// <summary>Neither server answers, or both are in recovery: no writable master.</summary>
    NoMaster,
    /// <summary>The master refuses the bot (login refused, not queryable) yet is running, e.g. the slave
    /// still streams from it: the bot cannot judge the pair and must not suggest a promote.</summary>
    Unknown,
}

/// <summary>How the slave stands, as the servers show it: what decides between "start it", "check its host"
/// and "read its log".</summary>
public enum SlaveStanding
{
    /// <summary>No slave in the configuration.</summary>
    None,
    /// <summary>Its WAL sender streams and replies.</summary>
    Streaming,
    /// <summary>The master lists it as streaming but it confirms nothing: a frozen host or a partition.</summary>
    Frozen,
    /// <summary>Connected to the master, in another state than streaming (startup, catchup, backup).</summary>
    ConnectedNotStreaming,
    /// <summary>It runs (answers, or its postmaster runs) but is not connected to the master.</summary>
    RunningNotConnected,
    /// <summary>It does not run or does not answer at all.</summary>
    NotRunning,
    /// <summary>Nothing was observed of it.</summary>
    NotProbed,
}

/// <summary>With no writable master: which case (the next step differs).</summary>
public enum NoMasterCase
{
    /// <summary>Neither server answers.</summary>
    BothDown,
    /// <summary>Both answer, both in recovery.</summary>
    BothInRecovery,
    /// <summary>The master answers in recovery; the slave does not answer.</summary>
    MasterInRecoverySlaveDown,
}

/// <summary>Replication distance of the slave behind the master.</summary>
public sealed record ReplicationLag(long? Bytes, TimeSpan? Time);

public sealed record PairAssessment(
    string Datanode,
    ObservedCondition Condition,
    Severity Health,
    ReplicationLag? Lag,
    /// <summary>True when commits on the master wait for a synchronous standby that is not there.</summary>
    bool CommitsBlocked,
    IReadOnlyList<Problem> Problems)
{
    /// <summary>The server that takes writes now: the configured master, or the slave once it was
    /// promoted. Null when no single server is writable (split brain, no master).</summary>
    public ServerLocation? CurrentMaster { get; init; }

    /// <summary>True when every commit needs the slave now (its own WAL sender is a synchronous standby the
    /// rule cannot do without), or, with the master lost, when a promote is proven safe
    /// (<see cref="Promote"/>): promoting it then loses no acknowledged commit.</summary>
    public bool SlaveInSync { get; init; }

    /// <summary>When the master last answered as a writable master (this snapshot or an earlier one).</summary>
    public MasterSighting? LastMasterSighting { get; init; }

    /// <summary>With the master lost and the slave asynchronous: WAL the slave had not received when the
    /// master was last seen (a lower bound of what a promote loses). Null when unknown or not relevant.</summary>
    public long? PromoteLossBytes { get; init; }

    /// <summary>With the master lost: whether promoting the slave is proven to keep every acknowledged
    /// commit, with the evidence (<see cref="PromoteSafety"/>). Null while the master answers.</summary>
    public PromoteEvidence? Promote { get; init; }

    /// <summary>While the master answers: the slave's standing with synchronous replication and its evidence
    /// (the setting, synchronous_commit, which WAL sender is the slave's, positions).</summary>
    public string? SyncEvidence { get; init; }

    /// <summary>How the slave stands (streaming, frozen, not running, ...).</summary>
    public SlaveStanding Slave { get; init; }

    /// <summary>With <see cref="ObservedCondition.NoMaster"/>: which case.</summary>
    public NoMasterCase? NoMaster { get; init; }

    /// <summary>What the servers alone say a person must do by hand for the pair's condition (stop the stale
    /// server of a split brain, check a frozen slave's host, ...); null when a bot command is the answer.
    /// The advice (<see cref="Advice.PairAdvisor"/>) decides between this and the bot's commands.</summary>
    public string? Remedy { get; init; }

    /// <summary>The problems as the assessor found them, before the advice filled in next steps and
    /// marked what an operation explains; the advice is always applied to these, so applying it twice
    /// (first without, then with the bot's records) gives the same answer as once.</summary>
    public IReadOnlyList<Problem> Found { get; init; } = [];

    /// <summary>What the bot advises for the pair, from its condition, evidence and the bot's own records
    /// (stored state, operations). Null before the advice is applied.</summary>
    public Advice.PairAdvice? Advice { get; init; }

    /// <summary>The prepared (two-phase) transactions on the pair's writable master, oldest first.</summary>
    public IReadOnlyList<Observation.PreparedTransaction> Prepared { get; init; } = [];

    /// <summary>Those of <see cref="Prepared"/> older than the threshold (monitor.preparedTransactionWarningSeconds): in doubt.</summary>
    public IReadOnlyList<Observation.PreparedTransaction> InDoubt { get; init; } = [];

    /// <summary>Its servers cannot reach the GTM: that, not the pair, is what to fix first.</summary>
    public bool WaitsForGtm { get; init; }

    /// <summary>The lag, only while the slave streams (a slave that does not stream has no lag to show,
    /// only a gap).</summary>
    public ReplicationLag? StreamingLag => Condition is ObservedCondition.Sync or ObservedCondition.Async ? Lag : null;
}

/// <summary>One cell of the datanode × coordinator matrix.</summary>
public sealed record CoordinatorView(
    string Coordinator,
    string Datanode,
    /// <summary>host:port the coordinator routes the datanode to; null when it has no row or did not answer.</summary>
    string? PointsAt,
    bool Matches);

public sealed record ClusterAssessment(
    ClusterSnapshot Snapshot,
    IReadOnlyList<PairAssessment> Pairs,
    IReadOnlyList<CoordinatorView> CoordinatorViews,
    IReadOnlyList<Problem> CoordinatorProblems)
{
    /// <summary>Problems of the cluster as a whole (the GTM and its proxies).</summary>
    public IReadOnlyList<Problem> ClusterProblems { get; init; } = [];

    /// <summary>The coordinator problems as the assessor found them, before the advice marked what an
    /// operation explains (see <see cref="PairAssessment.Found"/>).</summary>
    public IReadOnlyList<Problem>? FoundCoordinatorProblems { get; init; }

    public IEnumerable<Problem> AllProblems => ClusterProblems.Concat(Pairs.SelectMany(p => p.Problems)).Concat(CoordinatorProblems);

    public Severity Worst => AllProblems.Select(p => p.Severity).DefaultIfEmpty(Severity.Ok).Max();
}
