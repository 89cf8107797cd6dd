using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;

namespace PgxcBot.Hosting;

/// <summary>
/// PENDING MERGE: stands in for PgxcBot.Postgres.NpgsqlClusterObserver, which another branch writes.
/// Registered in exactly one line of <see cref="ServiceCollectionExtensions.AddPgxcBotCore"/>; delete this
/// class when that line names NpgsqlClusterObserver.
/// </summary>
internal sealed class PendingObserver : IClusterObserver
{
    public Task<ClusterSnapshot> ObserveAsync(ClusterTopology topology, CancellationToken cancellationToken) =>
        throw new NotSupportedException("cluster observation is not wired yet (PendingObserver: NpgsqlClusterObserver not merged).");
}
