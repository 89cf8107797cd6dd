using PgxcBot.Core.Advice;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Runbooks;
using PgxcBot.Core.Runbooks.Planners;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Operations;

/// <summary>
/// Plans one operation kind on what the servers show now: the <see cref="OperationKind.Planner"/> of a row of
/// <see cref="OperationKinds"/>. Gathers what its planner needs beyond the snapshot (SSH, control data, 2PC facts).
/// </summary>
/// <returns>The runbook, or a refusal with its next step; never throws for what the servers answer.</returns>
public delegate Task<PlanResult> OperationPlanner(PlanningContext context, CancellationToken cancellationToken);

/// <summary>What a planner plans from: the cluster as configured and as observed at the moment of the request
/// (or approval), the pair, the request's flags (option names without dashes, e.g. "async-only"), and the
/// sources it may ask for more (the same ones <see cref="OperationService"/> was built with).</summary>
public sealed record PlanningContext(
    ClusterTopology Topology,
    ClusterSnapshot Snapshot,
    string Datanode,
    IReadOnlyList<string> Flags,
    SyncEvidenceSource Evidence,
    IRemoteShell Shell,
    StepExecutor Executor,
    AdviceSource? Advice)
{
    /// <summary>True when the request carries <paramref name="flag"/> (an option name without dashes).</summary>
    public bool Has(string flag) => Flags.Contains(flag, StringComparer.Ordinal);

    /// <summary>The request as the lifecycle planners take it (add-slave, rebuild, switchover, stop, start).</summary>
    public LifecycleRequest Lifecycle => new(Datanode, Has(OperationService.MoveAside), Has(OperationService.AsyncOnly), Has(OperationService.BaseBackup));
}

/// <summary>The planners of <see cref="OperationKinds"/> that need more than the snapshot: the fact gathering
/// that used to sit in <see cref="OperationService"/>'s dispatch, one method per kind.</summary>
public static class OperationPlanning
{
    /// <summary>promote: the slave's sync evidence and whether the old master's host answers SSH (fencing).</summary>
    public static async Task<PlanResult> PromoteAsync(PlanningContext c, CancellationToken cancellationToken)
    {
        if (c.Topology.FindDatanode(c.Datanode) is not { } pair)
            return PromotePlanner.Plan(c.Topology, c.Snapshot, new PromoteRequest(c.Datanode, false), new SlaveSyncEvidence(false, null, null, ""), false);
        var known = await c.Evidence.GetAsync(c.Topology, c.Snapshot, c.Datanode, cancellationToken).ConfigureAwait(false);
        var sshOk = await HostAnswersAsync(c, pair.Master.HostName, cancellationToken).ConfigureAwait(false);
        return PromotePlanner.Plan(c.Topology, c.Snapshot, new PromoteRequest(c.Datanode, c.Has(OperationService.AcceptDataLoss)), known, sshOk);
    }

    /// <summary>add-slave: the slave's data directory and host, as SSH reads them.</summary>
    public static async Task<PlanResult> AddSlaveAsync(PlanningContext c, CancellationToken cancellationToken) =>
        AddSlavePlanner.Plan(c.Topology, c.Snapshot, c.Lifecycle, await LifecycleFactsAsync(c, readControlData: false, cancellationToken).ConfigureAwait(false));

    /// <summary>rebuild: as add-slave, plus the old master's control data (can pg_rewind be used).</summary>
    public static async Task<PlanResult> RebuildAsync(PlanningContext c, CancellationToken cancellationToken) =>
        RebuildPlanner.Plan(c.Topology, c.Snapshot, c.Lifecycle, await LifecycleFactsAsync(c, readControlData: true, cancellationToken).ConfigureAwait(false));

    /// <summary>resolve-2pc: the transactions in doubt (older than the threshold, or prepared before the promote that
    /// made this master: the advice knows) and where each is committed or prepared.</summary>
    public static async Task<PlanResult> Resolve2pcAsync(PlanningContext c, CancellationToken cancellationToken)
    {
        var assessed = await c.Evidence.AssessAsync(c.Topology, c.Snapshot, cancellationToken).ConfigureAwait(false);
        if (c.Advice is not null) assessed = await c.Advice.AdviseAsync(c.Topology, assessed, cancellationToken).ConfigureAwait(false);
        var assessedPair = assessed.Pairs.FirstOrDefault(p => p.Datanode == c.Datanode);
        IReadOnlyList<PreparedTransaction> inDoubt = assessedPair is null ? [] : [.. assessedPair.InDoubt, .. assessedPair.Advice?.InDoubtAfterPromote ?? []];
        var twoPhase = await new TwoPhaseFactsSource(c.Executor.Sql).GatherAsync(c.Topology, c.Snapshot, inDoubt, cancellationToken).ConfigureAwait(false);
        return Resolve2pcPlanner.Plan(c.Topology, c.Snapshot, c.Datanode, inDoubt, twoPhase);
    }

    /// <summary>Synchronous planners as <see cref="OperationPlanner"/>s.</summary>
    public static OperationPlanner Of(Func<PlanningContext, PlanResult> plan) => (c, _) => Task.FromResult(plan(c));

    private static async Task<LifecycleFacts> LifecycleFactsAsync(PlanningContext c, bool readControlData, CancellationToken cancellationToken) =>
        c.Topology.FindDatanode(c.Datanode) is not { } target
            ? LifecycleFacts.None
            : await new LifecycleFactsSource(c.Shell, c.Executor).GatherAsync(c.Topology, target, readControlData, cancellationToken).ConfigureAwait(false);

    private static async Task<bool> HostAnswersAsync(PlanningContext c, string hostName, CancellationToken cancellationToken)
    {
        if (c.Topology.FindHost(hostName) is not { } host) return false;
        try
        {
            var result = await c.Shell.RunAsync(host, ShellCommand.Of("true"), c.Topology.Monitor.ConnectTimeout * 2, cancellationToken).ConfigureAwait(false);
            return result.Succeeded;
        }
        catch (RemoteExecutionException)
        {
            return false;
        }
    }
}
