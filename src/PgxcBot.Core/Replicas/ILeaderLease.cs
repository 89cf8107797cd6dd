namespace PgxcBot.Core.Replicas;

/// <summary>A granted or renewed lease: its epoch, since when this holder has it and until when (store clock).</summary>
public sealed record LeaseGrant(long Epoch, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt);

/// <summary>
/// The leader lease in the store the replicas share. One holder at a time; a grant lasts the lease duration from
/// the moment the store granted it; the epoch rises by one whenever the holder changes.
/// </summary>
public interface ILeaderLease
{
    /// <summary>The id of this replica (the holder name it writes).</summary>
    string ReplicaId { get; }

    /// <summary>How long a grant lasts without renewal.</summary>
    TimeSpan Duration { get; }

    /// <summary>
    /// Renews the lease when this replica holds it with <paramref name="heldEpoch"/>, takes it (with a new epoch) when
    /// it is free or expired, and returns null when another replica holds a valid lease. Also records this replica's
    /// heartbeat. Throws what the store throws when it cannot be reached.
    /// </summary>
    Task<LeaseGrant?> TryAcquireOrRenewAsync(long? heldEpoch, CancellationToken cancellationToken);

    /// <summary>Gives the lease up at once (clean shutdown), so the other replica need not wait for it to expire.
    /// Does nothing when this replica no longer holds <paramref name="epoch"/>.</summary>
    Task ReleaseAsync(long epoch, CancellationToken cancellationToken);

    /// <summary>The lease and every replica's last heartbeat, as the store has them now.</summary>
    Task<LeadershipStatus> ReadStatusAsync(bool thisIsActive, CancellationToken cancellationToken);
}

/// <summary>The lease of a bot with an embedded store (SQLite): one replica, always the holder, epoch 1.</summary>
public sealed class SingleReplicaLease(string replicaId, TimeProvider time) : ILeaderLease
{
    private readonly DateTimeOffset _since = time.GetUtcNow();

    /// <inheritdoc />
    public string ReplicaId => replicaId;

    /// <inheritdoc />
    public TimeSpan Duration => Timeout.InfiniteTimeSpan;

    /// <inheritdoc />
    public Task<LeaseGrant?> TryAcquireOrRenewAsync(long? heldEpoch, CancellationToken cancellationToken) =>
        Task.FromResult<LeaseGrant?>(new LeaseGrant(1, _since, DateTimeOffset.MaxValue));

    /// <inheritdoc />
    public Task ReleaseAsync(long epoch, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task<LeadershipStatus> ReadStatusAsync(bool thisIsActive, CancellationToken cancellationToken) =>
        Task.FromResult(LeadershipStatus.Single(replicaId, _since));
}
