namespace PgxcBot.Core.Replicas;

/// <summary>One replica as the shared store last heard of it: its role and heartbeat (database clock, UTC).</summary>
public sealed record ReplicaHeartbeat(string ReplicaId, string Role, DateTimeOffset LastHeartbeat, long? Epoch);

/// <summary>
/// Which replica is active, as read from the store: the lease <paramref name="Holder"/> with its
/// <paramref name="Epoch"/>, held since <paramref name="Since"/> and valid until <paramref name="ExpiresAt"/> (database
/// clock); <paramref name="ThisReplica"/> is the asking process and <paramref name="Replicas"/> every replica's last
/// heartbeat. On SQLite there is one replica and it is always active.
/// </summary>
public sealed record LeadershipStatus(
    string ThisReplica,
    bool ThisIsActive,
    string? Holder,
    long Epoch,
    DateTimeOffset? Since,
    DateTimeOffset? ExpiresAt,
    IReadOnlyList<ReplicaHeartbeat> Replicas)
{
    /// <summary>The single-replica status (embedded SQLite store): this process, active, epoch 1.</summary>
    public static LeadershipStatus Single(string replica, DateTimeOffset since) =>
        new(replica, true, replica, 1, since, null, []);
}
