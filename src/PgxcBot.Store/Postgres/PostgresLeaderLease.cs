using Microsoft.Extensions.Logging;
using Npgsql;
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
/// <param name="store">The shared store the lease row lives in.</param>
/// <param name="replicaId">This replica's name (replica.id).</param>
/// <param name="duration">How long a grant lasts (replica.leaseSeconds).</param>
/// <param name="takeoverLockTimeout">How long a takeover waits for the row's lock before it ends a lapsed holder's
/// sessions; null: <see cref="DefaultTakeoverLockTimeout"/>.</param>
public sealed class PostgresLeaderLease(PostgresStore store, string replicaId, TimeSpan duration, TimeSpan? takeoverLockTimeout = null) : ILeaderLease
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
            var grant = heldEpoch is not null
                ? await GrantAsync(connection, heldEpoch, lockTimeout: null, cancellationToken).ConfigureAwait(false)
                : await TakeOverAsync(connection, cancellationToken).ConfigureAwait(false);
            await PostgresStore.Execute(connection, null, """
                INSERT INTO bot_replica (replica_id, started_at, last_heartbeat, role, epoch) VALUES (@me, clock_timestamp(), clock_timestamp(), @role, @epoch)
                ON CONFLICT (replica_id) DO UPDATE SET last_heartbeat = clock_timestamp(), role = excluded.role, epoch = excluded.epoch;
                """, cancellationToken, ("me", ReplicaId), ("role", grant is null ? "standby" : "active"), ("epoch", grant?.Epoch)).ConfigureAwait(false);
            return grant;
        }, cancellationToken);

    /// <summary>How long a replica taking the lease waits for the row's lock before it looks for a lapsed holder
    /// still holding it (a renewal waits as long as its own writes take): the standby's own round (1 s).</summary>
    public static readonly TimeSpan DefaultTakeoverLockTimeout = TimeSpan.FromSeconds(1);

    private TimeSpan TakeoverLockTimeout { get; } = takeoverLockTimeout ?? DefaultTakeoverLockTimeout;

    /// <summary>Takes an expired (or free) lease, waiting at most <see cref="TakeoverLockTimeout"/> for the row; when a
    /// transaction that outlived its lease still holds the row, ends it and tries once more. Null: not taken this round.</summary>
    private async Task<LeaseGrant?> TakeOverAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var (grant, blocked) = await TryTakeAsync(connection, cancellationToken).ConfigureAwait(false);
        // Blocked again after ending the holders: their locks go as their processes exit, and the next round takes it.
        if (blocked && await EndLapsedHoldersAsync(connection, cancellationToken).ConfigureAwait(false) > 0)
            (grant, _) = await TryTakeAsync(connection, cancellationToken).ConfigureAwait(false);
        return grant;
    }

    /// <summary>One takeover try: the grant (null if the lease is held) and whether the row's lock was not had in time.</summary>
    private async Task<(LeaseGrant? Grant, bool Blocked)> TryTakeAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            return (await GrantAsync(connection, null, TakeoverLockTimeout, cancellationToken).ConfigureAwait(false), false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            return (null, true);
        }
    }

    /// <summary>One statement: whoever's UPDATE commits first wins an expired lease; the other's WHERE then fails. An
    /// unexpired row is renewed only for the epoch held: a second process under the same replica id (a one-shot CLI
    /// beside the serving bot) cannot take it. With <paramref name="lockTimeout"/>, a wait for the row's lock longer
    /// than that throws 55P03 (lock_not_available).</summary>
    private async Task<LeaseGrant?> GrantAsync(NpgsqlConnection connection, long? heldEpoch, TimeSpan? lockTimeout, CancellationToken cancellationToken)
    {
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (lockTimeout is { } timeout)
            await PostgresStore.Execute(connection, tx, $"SET LOCAL lock_timeout = {(int)timeout.TotalMilliseconds};", cancellationToken).ConfigureAwait(false);
        var granted = await PostgresStore.Query(connection, tx, """
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
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return granted.Count == 0 ? null : granted[0];
    }

    /// <summary>
    /// Ends the sessions that hold the lease row locked in a transaction begun before the lease expired, once it has
    /// expired by the database clock: a leader frozen in the middle of a write (its fence check holds the row FOR
    /// SHARE). The server ends such a session by itself when it sits idle in the transaction
    /// (<see cref="PostgresStore.IdleInTransactionTimeout"/>), but not one that is still "active" (a frozen client
    /// that sent part of a batch, whose server side waits for the rest); a takeover was seen held off for more than ten
    /// seconds in CI with no failure logged by the taker (its statement waited). Ending it is what the expiry already
    /// decided: the lapsed leader may write nothing more, and its transaction rolls back. Returns how many sessions were ended; 0 when none qualifies or this role may not
    /// end them (pg_terminate_backend needs the same role or pg_signal_backend), which is logged.
    /// </summary>
    private async Task<int> EndLapsedHoldersAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        IReadOnlyList<(int Pid, string Holder, string State, bool Ended)> ended;
        try
        {
            ended = await PostgresStore.Query(connection, null, """
                SELECT a.pid, l.holder, coalesce(a.state, ''), pg_terminate_backend(a.pid)
                FROM pg_stat_activity a
                JOIN bot_lease l ON l.name = @name AND l.expires_at <= clock_timestamp() AND a.xact_start <= l.expires_at
                WHERE a.pid <> pg_backend_pid()
                  AND a.pid IN (SELECT k.pid FROM pg_locks k WHERE k.locktype = 'relation' AND k.relation = 'bot_lease'::regclass
                                AND k.granted AND k.mode IN ('RowShareLock', 'RowExclusiveLock'));
                """, r => (r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetBoolean(3)), cancellationToken, ("name", LeaseName)).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            store.Logger.LogWarning("Replica {Replica} cannot take the expired leader lease: a session of the lapsed leader still holds its row and this role may not end it ({Error}); " +
                                    "grant the store's role pg_signal_backend, or give every replica the same role", ReplicaId, e.MessageText);
            return 0;
        }
        foreach (var (pid, holder, state, done) in ended)
            store.Logger.LogWarning("Replica {Replica}: the expired lease of {Holder} was still locked by its session {Pid} ({State}); {Outcome} so the lease can be taken",
                ReplicaId, holder, pid, state, done ? "ended it" : "could not end it");
        return ended.Count(e => e.Ended);
    }

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
