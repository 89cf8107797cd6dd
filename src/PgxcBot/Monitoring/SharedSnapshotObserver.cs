using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;

namespace PgxcBot.Monitoring;

/// <summary>
/// The observer of the monitor and of the operations it starts. Probe timeouts are capped below the poll
/// interval, so one hung host (a frozen slave keeps its TCP port open and never answers) cannot make
/// the poll miss its next tick. And the snapshot the poll just took is handed, once, to the operation
/// it triggers: the async switch then does not wait another probe round (with a frozen slave, a whole
/// timeout) before releasing commits. A snapshot is handed over at most <see cref="MaxReuseAge"/> after
/// the poll finished (its servers answered at most one probe timeout before that).
/// </summary>
public sealed class SharedSnapshotObserver(IClusterObserver inner, TimeProvider time) : IClusterObserver
{
    /// <summary>Older than this, a published snapshot is not reused.</summary>
    public static readonly TimeSpan MaxReuseAge = TimeSpan.FromMilliseconds(500);

    private readonly Lock _gate = new();
    private (ClusterSnapshot Snapshot, ClusterTopology Topology, long At)? _published;

    /// <summary>Probes with the timeouts capped by <see cref="Bounded"/>.</summary>
    public Task<ClusterSnapshot> ObserveFreshAsync(ClusterTopology topology, CancellationToken cancellationToken) =>
        ObserveFreshAsync(topology, QuickProbes.None, cancellationToken);

    /// <summary>Probes with the timeouts capped by <see cref="Bounded"/>, the servers in <paramref name="quick"/> under its deadline.</summary>
    public Task<ClusterSnapshot> ObserveFreshAsync(ClusterTopology topology, QuickProbes quick, CancellationToken cancellationToken) =>
        inner.ObserveAsync(Bounded(topology), quick, cancellationToken);

    /// <summary>Offers <paramref name="snapshot"/> to the next <see cref="ObserveAsync"/> for the same topology.</summary>
    public void Publish(ClusterSnapshot snapshot, ClusterTopology topology)
    {
        lock (_gate) _published = (snapshot, topology, time.GetTimestamp());
    }

    /// <inheritdoc />
    public Task<ClusterSnapshot> ObserveAsync(ClusterTopology topology, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_published is { } p)
            {
                _published = null;
                if (Equals(p.Topology, topology) || SameLayout(p.Topology, topology))
                {
                    if (time.GetElapsedTime(p.At) <= MaxReuseAge) return Task.FromResult(p.Snapshot);
                }
            }
        }
        return ObserveFreshAsync(topology, cancellationToken);
    }

    /// <summary>Connect and command timeouts capped at 80 % of the poll interval (never below 200 ms).</summary>
    public static ClusterTopology Bounded(ClusterTopology topology)
    {
        var monitor = topology.Monitor;
        var budget = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(200).Ticks, monitor.Interval.Ticks * 8 / 10));
        if (monitor.ConnectTimeout <= budget && monitor.CommandTimeout <= budget) return topology;
        return topology with
        {
            Monitor = monitor with
            {
                ConnectTimeout = monitor.ConnectTimeout < budget ? monitor.ConnectTimeout : budget,
                CommandTimeout = monitor.CommandTimeout < budget ? monitor.CommandTimeout : budget,
            },
        };
    }

    private static bool SameLayout(ClusterTopology a, ClusterTopology b) =>
        a.Datanodes.SequenceEqual(b.Datanodes) && a.Coordinators.SequenceEqual(b.Coordinators);
}
