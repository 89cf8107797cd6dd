using PgxcBot.Core.Replicas;

namespace PgxcBot.Store.Postgres;

/// <summary>
/// The leader lease as one row of <c>bot_lease</c> in the shared PostgreSQL store, judged by the database's clock
/// (clock_timestamp()), so the replicas' clocks never have to agree. Chosen over advisory locks (and over
/// DistributedLock.Postgres, which is built on them): an advisory lock lives as long as its session, and a leader
/// that is paused (SIGSTOP, a VM stall) keeps its TCP session and so its lock for as long as the kernel keeps the
/// connection, which can be hours; a lease row expires after <see cref="Duration"/> whatever the holder does, and its
/// epoch column is the fencing token the store checks every write against (<see cref="PostgresStore.CheckFenceAsync"/>).
/// The lease's own statements are not fenced: they are how a replica learns whether it may write.
/// </summary>
public sealed class PostgresLeaderLease(PostgresStore store, string replicaId, TimeSpan duration) : ILeaderLease
{
    /// <summary>The row's name in <c>bot_lease</c>.</summary>
    public const string LeaseName = "leader";

    /// <inheritdoc />
    public string ReplicaId { get; } = !string.IsNullOrWhiteSpace(replicaId) ? replicaId
        : throw new ArgumentException("replica.id is empty: give each replica its own name (e.g. its host name).", nameof(replicaId));

    /// <inheritdoc />
    public TimeSpan Duration { get; } = duration > TimeSpan.Zero ? duration
        : throw new ArgumentOutOfRangeException(nameof(duration), duration, "replica.leaseSeconds must be positive.");

    /// <inheritdoc />
    public Task<LeaseGrant?> TryAcquireOrRenewAsync(long? heldEpoch, CancellationToken cancellationToken) =>
        Run("the leader lease", async connection =>
        {
            // One statement: whoever's UPDATE commits first wins an expired lease; the other's WHERE then fails. An
            // unexpired row is renewed only for the epoch held: a second process under the same replica id (a one-shot
            // CLI beside the serving bot) cannot take it.
            var granted = await PostgresStore.Query(connection, null, """
                INSERT INTO bot_lease AS l (name, holder, epoch, acquired_at, renewed_at, expires_at)
                VALUES (@name, @me, 1, clock_timestamp(), clock_timestamp(), clock_timestamp() + @ttl)
                ON CONFLICT (name) DO UPDATE SET
                    epoch = CASE WHEN l.holder = @me AND l.epoch = @held::bigint THEN l.epoch ELSE l.epoch + 1 END,
                    acquired_at = CASE WHEN l.holder = @me AND l.epoch = @held::bigint THEN l.acquired_at ELSE clock_timestamp() END,
                    holder = @me, renewed_at = clock_timestamp(), expires_at = clock_timestamp() + @ttl
                WHERE (l.holder = @me AND l.epoch = @held::bigint) OR l.expires_at <= clock_timestamp()
                RETURNING epoch, acquired_at, expires_at;
                """, r => new LeaseGrant(r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.GetFieldValue<DateTimeOffset>(2)), cancellationToken,
                ("name", LeaseName), ("me", ReplicaId), ("held", heldEpoch), ("ttl", Duration)).ConfigureAwait(false);
            var grant = granted.Count == 0 ? null : granted[0];
            await PostgresStore.Execute(connection, null, """
                INSERT INTO bot_replica (replica_id, started_at, last_heartbeat, role, epoch) VALUES (@me, clock_timestamp(), clock_timestamp(), @role, @epoch)
                ON CONFLICT (replica_id) DO UPDATE SET last_heartbeat = clock_timestamp(), role = excluded.role, epoch = excluded.epoch;
                """, cancellationToken, ("me", ReplicaId), ("role", grant is null ? "standby" : "active"), ("epoch", grant?.Epoch)).ConfigureAwait(false);
            return grant;
        }, cancellationToken);

    /// <inheritdoc />
    public Task ReleaseAsync(long epoch, CancellationToken cancellationToken) =>
        Run("the leader lease", connection => PostgresStore.Execute(connection, null,
            "UPDATE bot_lease SET expires_at = clock_timestamp() WHERE name = @name AND holder = @me AND epoch = @epoch;", cancellationToken,
            ("name", LeaseName), ("me", ReplicaId), ("epoch", epoch)), cancellationToken);

    /// <inheritdoc />
    public Task<LeadershipStatus> ReadStatusAsync(bool thisIsActive, CancellationToken cancellationToken) =>
        Run("the replicas' status", async connection =>
        {
            var lease = await PostgresStore.Query(connection, null, "SELECT holder, epoch, acquired_at, expires_at FROM bot_lease WHERE name = @name;",
                r => (Holder: r.GetString(0), Epoch: r.GetInt64(1), Since: r.GetFieldValue<DateTimeOffset>(2), Until: r.GetFieldValue<DateTimeOffset>(3)),
                cancellationToken, ("name", LeaseName)).ConfigureAwait(false);
            var replicas = await PostgresStore.Query(connection, null, "SELECT replica_id, role, last_heartbeat, epoch FROM bot_replica ORDER BY replica_id;",
                r => new ReplicaHeartbeat(r.GetString(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.IsDBNull(3) ? null : r.GetInt64(3)),
                cancellationToken).ConfigureAwait(false);
            return lease.Count == 0
                ? new LeadershipStatus(ReplicaId, thisIsActive, null, 0, null, null, replicas)
                : new LeadershipStatus(ReplicaId, thisIsActive, lease[0].Holder, lease[0].Epoch, lease[0].Since, lease[0].Until, replicas);
        }, cancellationToken);

    private async Task<T> Run<T>(string what, Func<Npgsql.NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await work(connection).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            throw store.Unavailable(what, e, write: false);
        }
    }
}
