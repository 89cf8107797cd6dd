namespace PgxcBot.Core.Replicas;

/// <summary>
/// This process's place among the replicas of a shared store, for what answers people (status, chat): registered
/// only with a shared PostgreSQL store; absent with SQLite, where the one process is always active.
/// </summary>
public interface IReplicaRole
{
    /// <summary>This replica's id (config <c>store.replicaId</c>).</summary>
    string ReplicaId { get; }

    /// <summary>Whether this replica holds a valid leader lease now: only then may it act (run, approve, write).</summary>
    bool IsActive { get; }

    /// <summary>True for a one-shot read-only command (<c>pgxcbot status</c>, <c>timeline</c>): it takes no part in
    /// the election (no heartbeat, never the lease), it only reads.</summary>
    bool IsObserver { get; }

    /// <summary>How long a lease lasts: a takeover comes at most this long after the active replica is gone.</summary>
    TimeSpan LeaseDuration { get; }

    /// <summary>The lease and every replica's last heartbeat as the store has them now.</summary>
    /// <exception cref="Operations.StoreUnavailableException">The store cannot be read.</exception>
    Task<LeadershipStatus> ReadStatusAsync(CancellationToken cancellationToken);
}

/// <summary>The replicas' status line of a process, as status and /healthz show it.</summary>
public static class ReplicaRoleExtensions
{
    /// <summary>
    /// <see cref="LeadershipText.Describe"/> for a replica, "replicas: " + <see cref="LeadershipText.Shared"/> for an
    /// observer; when the store cannot be read, the role this process knows and why the rest is missing. Never throws
    /// for the store (a store that cannot be read is the "store" check's and the status's own verdict).
    /// </summary>
    public static async Task<string> DescribeAsync(this IReplicaRole role, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(role);
        ArgumentNullException.ThrowIfNull(time);
        try
        {
            var status = await role.ReadStatusAsync(cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            return role.IsObserver ? "replicas: " + LeadershipText.Shared(status, now) : LeadershipText.Describe(status, now);
        }
        catch (Operations.StoreUnavailableException e)
        {
            var who = role.IsObserver ? "replicas" : $"replica {role.ReplicaId} is {(role.IsActive ? "active" : "standby")};";
            return $"{who} the lease cannot be read ({e.Message})";
        }
    }
}
