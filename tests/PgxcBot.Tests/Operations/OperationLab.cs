using PgxcBot.Core.Remote;

namespace PgxcBot.Tests.Operations;

/// <summary>
/// The runbook's failure, ready for a promote: datanode1's master died while its slave was in sync. Hands
/// out operation services over any store, each with its own <see cref="OperationRuns"/>, as separate bot
/// processes (or replicas) sharing one store file and one cluster would have them. Alice, Bob and Carol are
/// DBAs (may request and approve); Mallory is listed nowhere.
/// </summary>
internal sealed class OperationLab
{
    public static readonly Actor Alice = TestActors.Alice;
    public static readonly Actor Bob = TestActors.Bob;
    public static readonly Actor Carol = new("carol", "carol", ["dba"]);
    public static readonly Actor Mallory = TestActors.Mallory;

    public OperationLab(TimeProvider time)
    {
        Time = time;
        Cluster = new FakeCluster(Topology);
        Cluster.Sight(); // both masters seen alive and in sync: the evidence a promote is judged by
        Cluster.MasterLost(Pairs, "datanode1", time.GetUtcNow());
    }

    /// <summary>datanode2's master dies too (also while in sync): a second promote to race on.</summary>
    public OperationLab WithDatanode2Lost()
    {
        Cluster.MasterLost(Pairs, "datanode2", Time.GetUtcNow());
        return this;
    }

    public ClusterTopology Topology { get; } = RunbookTopologies.TwoNodes();
    public FakeCluster Cluster { get; }
    public MemoryPairStateStore Pairs { get; } = new();
    public TimeProvider Time { get; }

    public ApprovalPolicy Policy { get; } = new(new HashSet<string>(), new HashSet<string> { "dba" }, new HashSet<string>(), new HashSet<string> { "dba" },
        AllowSelfApproval: false, TimeSpan.FromMinutes(10), ApprovalPolicy.DefaultKindsNeedingApproval);

    /// <summary>One bot process: its own runner id, the shared store and cluster.</summary>
    /// <param name="shell">Where runbook commands go (default: the fake cluster), e.g. a wrapper that records or breaks things.</param>
    public OperationService Service(IOperationStore store, ITopologyStore roles, OperationRuns? runs = null, IRemoteShell? shell = null,
        IOperationObserver? events = null) =>
        Cluster.OperationService(new TopologyState(Topology, roles, Time), store, Policy, Time, events ?? new Recorder(), runs: runs ?? NewProcess(), shell: shell);

    /// <summary>The runner identity of a separate process on a host of its own, so that two services of this
    /// test process do not take each other for restarted incarnations of one process.</summary>
    public static OperationRuns NewProcess() => new($"lab-{Guid.NewGuid():N}/1/a1b2c3");

    /// <summary>Every event told, in order; safe for concurrent operations.</summary>
    public sealed class Recorder : IOperationObserver
    {
        private readonly List<OperationEvent> _events = [];
        private readonly Lock _lock = new();

        public IReadOnlyList<OperationEvent> Events
        {
            get
            {
                lock (_lock) return _events.ToArray();
            }
        }

        public Task OnEventAsync(OperationEvent operationEvent, CancellationToken cancellationToken)
        {
            lock (_lock) _events.Add(operationEvent);
            return Task.CompletedTask;
        }
    }
}

/// <summary>A shell that lets a test act at the moment a runbook command runs (before it reaches the cluster).</summary>
internal sealed class HookedShell(IRemoteShell inner, Func<ShellCommand, Task> before) : IRemoteShell
{
    public async Task<CommandResult> RunAsync(Host host, ShellCommand command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await before(command);
        return await inner.RunAsync(host, command, timeout, cancellationToken);
    }
}
