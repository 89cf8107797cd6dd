using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Runbooks;
using PgxcBot.Core.Topology;

namespace PgxcBot.Monitoring;

/// <summary>
/// The operation service the monitor acts through, as <see cref="SystemActor"/>. It is the same engine
/// (planned on a fresh snapshot, stored step by step, one operation per pair) with two differences:
/// it observes through the monitor's <see cref="SharedSnapshotObserver"/>, and its policy lets the
/// monitor request operations and lets the async switch run without approval: with
/// <c>alerts.degradePolicy = auto</c> the operator approved in advance that blocked commits are
/// released at once. Everything else (promote above all) still needs a person's approval.
/// </summary>
public sealed class MonitorOperations
{
    /// <summary>Who the monitor's operations are stored as.</summary>
    public static readonly Actor SystemActor = new("pgxcbot-monitor", "the monitor", []);

    public MonitorOperations(TopologyState topology, SharedSnapshotObserver observer, IOperationStore store, StepExecutor executor,
        IRemoteShell shell, SyncEvidenceSource evidence, ApprovalPolicy policy, IOperationObserver events, PairStateTracker tracker,
        IPairStateStore pairs, PairLocks locks, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var own = policy with
        {
            RequesterUsers = new HashSet<string>(policy.RequesterUsers.Append(SystemActor.Id), StringComparer.Ordinal),
            KindsNeedingApproval = new HashSet<string>(policy.KindsNeedingApproval.Where(k => k != "async"), StringComparer.Ordinal),
        };
        Service = new OperationService(topology, observer, store, executor, shell, evidence, own, events,
            new PairOperationSink(topology, observer, tracker, pairs), time, locks);
    }

    public OperationService Service { get; }
}
