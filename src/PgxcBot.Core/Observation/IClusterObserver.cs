using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Observation;

/// <summary>Takes a snapshot of every server of the topology. Implementations probe concurrently and
/// bound every probe by the topology's connect and command timeouts; they never throw for a server
/// that is down (that is an observation), only for cancellation.</summary>
public interface IClusterObserver
{
    Task<ClusterSnapshot> ObserveAsync(ClusterTopology topology, CancellationToken cancellationToken);
}
