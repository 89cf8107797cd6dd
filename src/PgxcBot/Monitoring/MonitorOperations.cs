using PgxcBot.Core.Operations;
using PgxcBot.Core.Outbox;
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
/// <para>
/// The one exception, only with <c>alerts.autoFailover</c> on: a promote that the monitor itself requested
/// may be approved by the monitor after the announced grace period (<see cref="ApproveFailoverAsync"/>).
/// That goes through a separate, private service whose policy knows no person at all (the system actor is
/// its only requester and approver), so the two-person rule of the chat's service is untouched; and no
/// acknowledgement is ever given, so a plan that needs one (fencing unverified, data loss) cannot pass.
/// </para>
/// </summary>
public sealed class MonitorOperations
{
    /// <summary>Who the monitor's operations are stored as.</summary>
    public static readonly Actor SystemActor = new("pgxcbot-monitor", "the monitor", []);

    private readonly IOperationStore _store;
    private readonly OperationService? _failover;

    public MonitorOperations(TopologyState topology, SharedSnapshotObserver observer, IOperationStore store, StepExecutor executor,
        IRemoteShell shell, SyncEvidenceSource evidence, ApprovalPolicy policy, IOperationObserver events, PairStateTracker tracker,
        OperationRuns runs, TimeProvider time, OutboxAnnouncer? announcer = null, PgxcBot.Core.Advice.AdviceSource? advice = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(policy);
        _store = store;
        var own = policy with
        {
            RequesterUsers = new HashSet<string>(policy.RequesterUsers.Append(SystemActor.Id), StringComparer.Ordinal),
            // What releases blocked commits never waits for a person (the async switch): the monitor runs it at once.
            KindsNeedingApproval = new HashSet<string>(policy.KindsNeedingApproval.Where(k => OperationKinds.Find(k) is not { RunsBesideWaiting: true }), StringComparer.Ordinal),
        };
        var sink = new PairOperationSink(topology, observer, tracker);
        Service = new OperationService(topology, observer, store, executor, shell, evidence, own, events, sink, time, runs, announcer, advice);

        var alerts = topology.Configured.Alerts;
        if (alerts.AutoFailover)
        {
            var system = new HashSet<string>([SystemActor.Id], StringComparer.Ordinal);
            var none = new HashSet<string>(StringComparer.Ordinal);
            // The approval window outlasts the grace period, so the approval at its end is never late.
            var expiry = alerts.FailoverGrace * 2 + TimeSpan.FromMinutes(1);
            var failover = new ApprovalPolicy(system, none, system, none, AllowSelfApproval: true,
                expiry > policy.Expiry ? expiry : policy.Expiry, new HashSet<string>([OperationKinds.Promote.Name], StringComparer.Ordinal));
            _failover = new OperationService(topology, observer, store, executor, shell, evidence, failover, events, sink, time, runs, announcer, advice);
        }
    }

    public OperationService Service { get; }

    /// <summary>Creates the promote of <paramref name="datanode"/> awaiting approval (the announcement's
    /// Cancel button cancels it). Refused when automatic failover is off.</summary>
    public Task<OperationReply> ProposeFailoverAsync(string datanode, CancellationToken cancellationToken) => _failover is null
        ? Task.FromResult(OperationReply.Refused("automatic failover is off (alerts.autoFailover)."))
        : _failover.RequestAsync(OperationKinds.Promote.Name, datanode, [], SystemActor, cancellationToken);

    /// <summary>Approves, as the system actor, a promote the monitor proposed, and runs it. Anything else
    /// (another kind, requested by a person, cancelled, automatic failover off) is refused.</summary>
    public async Task<OperationReply> ApproveFailoverAsync(long operationId, CancellationToken cancellationToken)
    {
        if (_failover is null) return OperationReply.Refused("automatic failover is off (alerts.autoFailover).");
        var operation = await _store.GetAsync(operationId, cancellationToken).ConfigureAwait(false);
        if (operation is null) return OperationReply.Refused($"there is no operation {operationId}.");
        if (operation.Kind != OperationKinds.Promote.Name || operation.RequestedBy.Id != SystemActor.Id)
            return OperationReply.Refused($"operation {operationId} is a {operation.Kind} requested by {operation.RequestedBy}: the monitor approves only the promotes it proposed itself.", null, operation);
        if (operation.State != OperationState.AwaitingApproval)
            return OperationReply.Refused($"operation {operationId} is no longer awaiting approval: {operation.Result ?? operation.State.ToString()}", null, operation);
        return await _failover.ApproveAsync(operationId, operation.Nonce, SystemActor, [], cancellationToken).ConfigureAwait(false);
    }
}
