using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Observation;

/// <summary>Takes a snapshot of every server of the topology. Implementations probe concurrently and
/// bound every probe by the topology's connect and command timeouts; they never throw for a server
/// that is down (that is an observation), only for cancellation.</summary>
public interface IClusterObserver
{
    Task<ClusterSnapshot> ObserveAsync(ClusterTopology topology, CancellationToken cancellationToken);

    /// <summary>As <see cref="ObserveAsync(ClusterTopology, CancellationToken)"/>, with the servers in <paramref name="quick"/>
    /// probed under its shorter deadline. An observer that cannot bound one server apart from the others (a fake, a
    /// simulator) observes as usual: the hint only bounds how long a poll waits for answers its decision does not need.</summary>
    Task<ClusterSnapshot> ObserveAsync(ClusterTopology topology, QuickProbes quick, CancellationToken cancellationToken) =>
        ObserveAsync(topology, cancellationToken);
}
