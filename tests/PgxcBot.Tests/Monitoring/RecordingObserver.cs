using PgxcBot.Tests.Operations;

namespace PgxcBot.Tests.Monitoring;

/// <summary>The fake cluster as the serving bot's observer, recording the topology and the quick probes of each
/// observation it was asked for.</summary>
internal sealed class RecordingObserver(FakeCluster cluster) : IClusterObserver
{
    /// <summary>The quick probes each observation was asked for, in order.</summary>
    public List<QuickProbes> Asked { get; } = [];

    /// <summary>The topology each observation was asked with, in order.</summary>
    public List<ClusterTopology> Topologies { get; } = [];

    /// <summary>When set, the first observation signals the first task and waits for the second.</summary>
    public (TaskCompletionSource Holding, TaskCompletionSource Release)? Hold { get; init; }

    public Task<ClusterSnapshot> ObserveAsync(ClusterTopology topology, CancellationToken cancellationToken) =>
        ObserveAsync(topology, QuickProbes.None, cancellationToken);

    public async Task<ClusterSnapshot> ObserveAsync(ClusterTopology topology, QuickProbes quick, CancellationToken cancellationToken)
    {
        lock (Asked)
        {
            Asked.Add(quick);
            Topologies.Add(topology);
        }
        if (Hold is var (holding, release) && holding.TrySetResult()) await release.Task.WaitAsync(cancellationToken);
        return await cluster.ObserveAsync(topology, cancellationToken);
    }

    /// <summary>The monitor settings of the last observation.</summary>
    public MonitorSettings LastSettings()
    {
        lock (Asked) return Topologies[^1].Monitor;
    }
}
