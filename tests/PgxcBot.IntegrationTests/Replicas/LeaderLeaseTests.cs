using Microsoft.Extensions.Logging;
using PgxcBot.Core.Servers;
using PgxcBot.Hosting;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Replicas;
using PgxcBot.Replicas;
using PgxcBot.Store.Postgres;
using PgxcBot.IntegrationTests.Store;

namespace PgxcBot.IntegrationTests.Replicas;

/// <summary>
/// The leader lease and the fencing token on a real PostgreSQL store, with two replicas in this process (each its
/// own store, pool and elector, as two processes would have them; the process-level kill/SIGSTOP tests are in
/// ReplicaProcessTests (kill -9, SIGSTOP)). A short lease (2 s) keeps the tests fast; the logic does not depend on it.
/// </summary>
public sealed class LeaderLeaseTests(StoreServer server, ITestOutputHelper output) : IClassFixture<StoreServer>, IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);
    private readonly List<PostgresStore> _opened = [];
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await server.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        foreach (var store in _opened) await store.DisposeAsync();
    }

    /// <summary>A replica: its elector, and a store whose writes are fenced by that elector.</summary>
    private async Task<(LeaderElector Elector, PostgresStore Store)> ReplicaAsync(string id, TimeSpan? lease = null, TimeSpan? takeoverLockTimeout = null,
        string? connectionString = null, ILogger<PostgresStore>? logger = null)
    {
        var fence = new DeferredFence();
        var store = await PostgresStore.OpenAsync(connectionString ?? _connectionString, fence, logger, default);
        _opened.Add(store);
        var elector = new LeaderElector(new PostgresLeaderLease(store, id, lease ?? Lease, takeoverLockTimeout), TimeProvider.System, NullLogger<LeaderElector>.Instance);
        fence.Inner = elector;
        return (elector, store);
    }

    private static OutboxEntry Alert(string title) =>
        OutboxEntry.New(DateTimeOffset.UtcNow, "chat", OutboxKind.Alert, "datanode1/master-lost", ChatMessage.Simple(title, Severity.Critical, "line"));

    [Fact]
    public async Task A_leader_whose_grant_ran_out_before_its_renewal_ends_its_turn_and_starts_a_new_one_while_the_row_is_still_its_own()
    {
        // The grant's end is judged by this process's clock: a fake one makes the late renewal exact.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var fence = new DeferredFence();
        var store = await PostgresStore.OpenAsync(_connectionString, fence, null, default);
        _opened.Add(store);
        var a = new LeaderElector(new PostgresLeaderLease(store, "a", TimeSpan.FromMinutes(5)), clock, NullLogger<LeaderElector>.Instance);
        fence.Inner = a;
        var (b, _) = await ReplicaAsync("b");
        Assert.True(await a.TickAsync(default));
        var turn = a.ActiveToken;
        await store.RecordTransitionAsync(Transition("a/1"), default);

        // Paused past its grant (the database's lease row is still a's): its writes are refused meanwhile.
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(a.Current);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.RecordTransitionAsync(Transition("a/late"), default));

        // Its next round ends the turn (its work cancelled) and, the row still being a's, starts a new one; b still
        // cannot take a's valid lease, nor can a second process under a's id that does not hold the epoch.
        Assert.True(await a.TickAsync(default));
        Assert.True(turn.IsCancellationRequested);
        Assert.Equal(new LeaseToken("a", 1), a.Current);
        Assert.False(a.ActiveToken.IsCancellationRequested);
        await store.RecordTransitionAsync(Transition("a/1 again"), default);
        Assert.False(await b.TickAsync(default));
        var (twin, _) = await ReplicaAsync("a");
        Assert.False(await twin.TickAsync(default));
    }

    private static PgxcBot.Core.Pairs.PairTransition Transition(string reason) => new("datanode1", DateTimeOffset.UtcNow,
        PgxcBot.Core.Pairs.PairState.Sync, PgxcBot.Core.Pairs.PairState.Sync, PgxcBot.Core.Pairs.PairTrigger.ObservedSync, reason);

    [Fact]
    public async Task One_of_two_replicas_is_active_and_the_standby_takes_over_within_the_lease_when_the_leader_stops_renewing()
    {
        var (a, _) = await ReplicaAsync("a");
        var (b, _) = await ReplicaAsync("b");
        Assert.True(await a.TickAsync(default));
        Assert.False(await b.TickAsync(default));
        Assert.True(await a.TickAsync(default)); // a renewal keeps the epoch
        Assert.Equal(new LeaseToken("a", 1), a.Current);
        Assert.Null(b.Current);
        Assert.True(b.ActiveToken.IsCancellationRequested);

        // a dies right after its renewal: b polls as its service does (every second) until it takes over.
        var died = Stopwatch.GetTimestamp();
        await Poll.UntilAsync(() => b.TickAsync(default), active => active, TimeSpan.FromSeconds(10), "b to take over", default);
        var takeover = Stopwatch.GetElapsedTime(died);
        output.WriteLine($"takeover after {takeover.TotalMilliseconds:0} ms at a lease of {Lease.TotalSeconds} s");
        Assert.InRange(takeover, Lease - TimeSpan.FromMilliseconds(200), Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(new LeaseToken("b", 2), b.Current);

        var status = await new PostgresLeaderLease(_opened[0], "a", Lease).ReadStatusAsync(false, default);
        Assert.Equal(("b", 2L), (status.Holder, status.Epoch));
        Assert.Equal(["a", "b"], status.Replicas.Select(r => r.ReplicaId));
        Assert.Equal("active", status.Replicas.Single(r => r.ReplicaId == "b").Role);
    }

    [Fact]
    public async Task A_leader_that_wakes_after_a_takeover_has_every_write_refused_by_the_store_and_steps_down()
    {
        var (a, aStore) = await ReplicaAsync("a");
        var (b, bStore) = await ReplicaAsync("b");
        Assert.True(await a.TickAsync(default));
        var aOutbox = new PostgresOutboxStore(aStore);
        await aOutbox.EnqueueAsync([Alert("written by a while active")], default);

        // a is paused past its lease (no renewals); b takes over with epoch 2.
        await Poll.UntilAsync(() => b.TickAsync(default), active => active, TimeSpan.FromSeconds(10), "b to take over", default);

        // a wakes with a write already on its way under its old token (it has not looked at its lease yet): the
        // store itself refuses it, by the epoch in the lease row, whatever a's own clock says.
        var stale = await PostgresStore.OpenAsync(_connectionString, new FixedFence(new LeaseToken("a", 1)), null, default);
        _opened.Add(stale);
        var refused = await Assert.ThrowsAsync<StoreUnavailableException>(() => new PostgresOutboxStore(stale).EnqueueAsync([Alert("late write of a")], default));
        Assert.IsType<LeaseLostException>(refused.InnerException);
        Assert.Contains("another replica took over", refused.Message);
        var unit = await Assert.ThrowsAsync<StoreUnavailableException>(() => new PostgresOperationStore(stale).BeginAsync(default));
        Assert.IsType<LeaseLostException>(unit.InnerException);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => aOutbox.EnqueueAsync([Alert("a without a valid lease")], default));

        // a's next tick learns it and steps down: the work it started is cancelled.
        var work = a.ActiveToken;
        Assert.False(await a.TickAsync(default));
        Assert.True(work.IsCancellationRequested);
        Assert.Null(a.Current);

        // The store holds a's write from before the takeover and nothing of a after it; b writes.
        await new PostgresOutboxStore(bStore).EnqueueAsync([Alert("written by b")], default);
        Assert.Equal(["written by a while active", "written by b"], (await aOutbox.GetPendingAsync("chat", 10, default)).Select(e => e.Body.Title));
    }

    [Fact]
    public async Task A_takeover_waits_for_the_old_leaders_write_in_flight_then_takes_the_next_epoch()
    {
        var (a, _) = await ReplicaAsync("a");
        Assert.True(await a.TickAsync(default));
        // a's write has passed the fence (the store's own check, as CheckFenceAsync runs it) and holds the lease row.
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        Assert.Equal(1, await FenceCheckAsync(connection, tx, "a"));

        // The lease runs out by the database clock and b tries to take it: b's takeover waits for a's transaction
        // (here as long as it takes; a lapsed holder's transaction that outlasts the wait is the next test).
        var (b, _) = await ReplicaAsync("b", takeoverLockTimeout: TimeSpan.FromMinutes(1));
        await LeaseExpiredAsync();
        var takeover = b.TickAsync(default);
        await Poll.UntilAsync(() => ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock';"),
            waiting => waiting == 1, TimeSpan.FromSeconds(10), "b's takeover to wait for a's row lock", default);
        Assert.False(takeover.IsCompleted);
        await tx.CommitAsync();
        Assert.True(await takeover.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, b.Current!.Epoch);
    }

    [Fact]
    public async Task A_lapsed_leaders_session_still_holding_the_lease_row_is_ended_by_the_taker_and_its_write_rolls_back()
    {
        // a passed the fence and wrote, then froze.
        var (connection, tx) = await LeaderFrozenInAWriteAsync();
        await using var frozenSession = connection;
        await using var frozenWrite = tx;
        await using (var write = new NpgsqlCommand("INSERT INTO bot_replica (replica_id, started_at, last_heartbeat, role) VALUES ('written by a', now(), now(), 'x');", connection, tx))
            await write.ExecuteNonQueryAsync();

        // b takes the expired lease within a few of its rounds (each waits at most the takeover's lock timeout). Its own
        // grants last a minute: a round that waits 1 s for the row, ends a's session and tries again can outlast a 2 s
        // grant on a loaded host, which then arrives already run out (CI: TickAsync true, Current null).
        var (b, _) = await ReplicaAsync("b", lease: TimeSpan.FromMinutes(1));
        await LeaseExpiredAsync();
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Poll.UntilAsync(() => b.TickAsync(bounded.Token), active => active, TimeSpan.FromSeconds(20), "b to take the expired lease", bounded.Token);
        Assert.Equal(2, b.Current!.Epoch);

        // a's session was ended: its write never commits.
        await Assert.ThrowsAnyAsync<Exception>(() => tx.CommitAsync());
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM bot_replica WHERE replica_id = 'written by a';"));
    }

    [Fact]
    public async Task A_valid_leaders_write_in_flight_is_never_ended_by_a_replica_that_tries_to_take_over()
    {
        var (a, _) = await ReplicaAsync("a", lease: TimeSpan.FromMinutes(5));
        Assert.True(await a.TickAsync(default));
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        Assert.Equal(1, await FenceCheckAsync(connection, tx, "a"));

        // b's round waits for the row, gives up after its lock timeout and stays standby; a's write goes on.
        var (b, _) = await ReplicaAsync("b");
        Assert.False(await b.TickAsync(default));
        await tx.CommitAsync();
        Assert.Equal(new LeaseToken("a", 1), a.Current);
        Assert.True(await a.TickAsync(default));
    }

    [Fact]
    public async Task A_taker_whose_role_may_not_end_the_lapsed_leaders_session_stays_standby_says_why_and_takes_the_lease_once_it_ends()
    {
        // a's session (the database's superuser here) froze holding the lease row.
        var (connection, tx) = await LeaderFrozenInAWriteAsync();
        await using var frozenSession = connection;
        await using var frozenWrite = tx;

        // b runs as a role of its own: it may use the store (a member of its owner) but not end a superuser's session.
        var role = $"replica_b_{Guid.NewGuid():N}";
        var owner = new NpgsqlConnectionStringBuilder(_connectionString).Username!;
        await ExecuteAsync($"CREATE ROLE {SqlText.Identifier(role)} LOGIN IN ROLE {SqlText.Identifier(owner)};");
        var log = new StringWriter();
        using var logging = LoggerFactory.Create(b => b.AddProvider(new TextWriterLoggerProvider(TextWriter.Synchronized(log), LogLevel.Warning)));
        var asB = new NpgsqlConnectionStringBuilder(_connectionString) { Username = role }.ConnectionString;
        var (b, _) = await ReplicaAsync("b", connectionString: asB, logger: logging.CreateLogger<PostgresStore>());
        await LeaseExpiredAsync();

        // Its round gives up without an error, stays standby, and the log says what to grant.
        Assert.False(await b.TickAsync(default));
        Assert.Null(b.Current);
        output.WriteLine(log.ToString());
        Assert.Contains("cannot take the expired leader lease", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("pg_signal_backend", log.ToString(), StringComparison.Ordinal);
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE pid = " + connection.ProcessID + ";"));

        // Once a's transaction ends by itself, the next rounds take the lease.
        await tx.RollbackAsync();
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Poll.UntilAsync(() => b.TickAsync(bounded.Token), active => active, TimeSpan.FromSeconds(20), "b to take the lease once a's transaction ended", bounded.Token);
        Assert.Equal(2, b.Current!.Epoch);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Replica "a" takes the lease; then a session of its passes the fence (the lease row held FOR SHARE) and
    /// freezes where the server does not end it: its idle-in-transaction timeout is off here, in the field a client frozen
    /// between the statements of one batch. The caller disposes both.</summary>
    private async Task<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)> LeaderFrozenInAWriteAsync()
    {
        var (a, _) = await ReplicaAsync("a");
        Assert.True(await a.TickAsync(default));
        var frozen = new NpgsqlConnectionStringBuilder(_connectionString) { Options = "-c idle_in_transaction_session_timeout=0" };
        var connection = new NpgsqlConnection(frozen.ConnectionString);
        await connection.OpenAsync();
        var tx = await connection.BeginTransactionAsync();
        Assert.Equal(1, await FenceCheckAsync(connection, tx, "a"));
        return (connection, tx);
    }

    /// <summary>The store's fence check as <see cref="PostgresStore.CheckFenceAsync"/> runs it: locks the lease row FOR SHARE.</summary>
    private static async Task<object?> FenceCheckAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string holder)
    {
        await using var fence = new NpgsqlCommand("SELECT 1 FROM bot_lease WHERE holder = @holder AND epoch = 1 AND expires_at > clock_timestamp() FOR SHARE;", connection, tx);
        fence.Parameters.AddWithValue("holder", holder);
        return await fence.ExecuteScalarAsync();
    }

    private Task LeaseExpiredAsync() => Poll.UntilAsync(() => ScalarAsync<bool>("SELECT expires_at <= clock_timestamp() FROM bot_lease;"), expired => expired,
        TimeSpan.FromSeconds(10), "the lease to expire", default);

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Replicas_racing_for_a_free_lease_get_exactly_one_winner_and_a_clean_release_hands_over_at_once()
    {
        var replicas = new List<LeaderElector>();
        for (var i = 0; i < 6; i++) replicas.Add((await ReplicaAsync($"r{i}")).Elector);
        var results = await Task.WhenAll(replicas.Select(r => Task.Run(() => r.TickAsync(default))));
        Assert.Single(results, active => active);
        var leader = replicas[Array.IndexOf(results, true)];

        await leader.ReleaseAsync(default);
        Assert.Null(leader.Current);
        var next = replicas.First(r => r != leader);
        var started = Stopwatch.GetTimestamp();
        Assert.True(await next.TickAsync(default));
        Assert.True(Stopwatch.GetElapsedTime(started) < Lease, "a released lease is free at once, not after it expires");
        Assert.Equal(2, next.Current!.Epoch);
    }

    private sealed class DeferredFence : IWriteFence
    {
        public IWriteFence? Inner { get; set; }
        public LeaseToken? Current => Inner?.Current;
    }

    private sealed class FixedFence(LeaseToken token) : IWriteFence
    {
        public LeaseToken? Current => token;
    }
}
