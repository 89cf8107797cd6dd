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

    public IEnumerable<Problem> AllProblems => ClusterProblems.Concat(Pairs.SelectMany(p => p.Problems)).Concat(CoordinatorProblems);

    public Severity Worst => AllProblems.Select(p => p.Severity).DefaultIfEmpty(Severity.Ok).Max();
}
