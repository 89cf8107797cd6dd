using PgxcBot.Core.Replicas;

namespace PgxcBot.Replicas;

/// <summary>The <see cref="IReplicaRole"/> of a process on a shared store: the elector's view (active or not) and the
/// lease's row in the store.</summary>
/// <param name="observer">A one-shot read-only command that runs no election (<see cref="IReplicaRole.IsObserver"/>).</param>
public sealed class ReplicaRole(LeaderElector elector, ILeaderLease lease, bool observer) : IReplicaRole
{
    /// <inheritdoc />
    public string ReplicaId => lease.ReplicaId;

    /// <inheritdoc />
    public bool IsActive => elector.IsActive;

    /// <inheritdoc />
    public bool IsObserver => observer;

    /// <inheritdoc />
    public TimeSpan LeaseDuration => lease.Duration;

    /// <inheritdoc />
    public Task<LeadershipStatus> ReadStatusAsync(CancellationToken cancellationToken) => lease.ReadStatusAsync(elector.IsActive, cancellationToken);
}
