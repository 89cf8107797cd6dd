using PgxcBot.Core.Advice;
using PgxcBot.Core.Remote;

namespace PgxcBot.Tests.Support;

/// <summary>
/// The bot's operation service over a <see cref="FakeCluster"/>, wired as the tests need it: the fake cluster
/// observes, runs the runbook's commands and SQL (steps on the real clock, which the fake answers at once) and
/// remembers the sync evidence; what a test does not name goes nowhere (no observer, no pair sink).
/// </summary>
internal static class FakeClusterServices
{
    /// <summary>A service whose roles live in a fresh in-memory topology store.</summary>
    public static OperationService OperationService(this FakeCluster cluster, ClusterTopology topology, IOperationStore store,
        ApprovalPolicy policy, TimeProvider time, IOperationObserver? events = null, IPairOperationSink? pairs = null,
        SyncEvidenceSource? evidence = null) =>
        cluster.OperationService(new TopologyState(topology, new MemoryTopologyStore(), time), store, policy, time, events, pairs, evidence);

    /// <summary>A service on <paramref name="topology"/>'s state.</summary>
    /// <param name="evidence">Default: the evidence the fake cluster's observations remember.</param>
    /// <param name="shell">Where runbook commands go (default: the fake cluster).</param>
    public static OperationService OperationService(this FakeCluster cluster, TopologyState topology, IOperationStore store,
        ApprovalPolicy policy, TimeProvider time, IOperationObserver? events = null, IPairOperationSink? pairs = null,
        SyncEvidenceSource? evidence = null, OperationRuns? runs = null, IRemoteShell? shell = null, OutboxAnnouncer? announcer = null,
        AdviceSource? advice = null) =>
        new(topology, cluster, store, new StepExecutor(shell ?? cluster, cluster, TimeProvider.System), shell ?? cluster,
            evidence ?? new SyncEvidenceSource(cluster.Memory), policy, events ?? NoOperationObserver.Instance,
            pairs ?? NullPairOperationSink.Instance, time, runs, announcer, advice);
}
