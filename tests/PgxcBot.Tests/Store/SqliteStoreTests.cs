using Microsoft.Data.Sqlite;

namespace PgxcBot.Tests.Store;

public sealed class SqliteStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 3, 0, 0, TimeSpan.FromHours(1));
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-store-").FullName;
    private string DbPath => Path.Combine(_dir, "state.db");
    private static CancellationToken Ct => CancellationToken.None;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PairTransition T(int seconds, PairState from, PairState to, PairTrigger trigger, string reason, string dn = "datanode1") =>
        new(dn, T0.AddSeconds(seconds), from, to, trigger, reason);

    [Fact]
    public async Task Calls_leave_the_wal_in_place_while_the_store_lives_and_disposing_it_checkpoints_the_wal_away()
    {
        // Each call opens and closes its own connection. Were it the last one, its close would checkpoint the WAL and
        // delete -wal and -shm, and the next call would make them again: several times a poll, about 40 times a second
        // on 16 idle pairs.
        var store = await SqliteStore.OpenAsync(DbPath, null, Ct);
        for (var i = 0; i < 3; i++)
        {
            await store.RecordTransitionAsync(T(i, PairState.Sync, PairState.Async, PairTrigger.ObservedAsync, "r"), Ct);
            Assert.True(File.Exists(DbPath + "-wal"), $"call {i + 1} deleted the -wal file");
            Assert.True(File.Exists(DbPath + "-shm"), $"call {i + 1} deleted the -shm file");
        }
        Assert.Equal(3, (await store.GetHistoryAsync("datanode1", 10, Ct)).Count);

        await store.DisposeAsync();
        Assert.False(File.Exists(DbPath + "-wal"), "the last connection's close checkpoints the WAL and deletes it");
        // What was written is in the file itself.
        var reopened = await SqliteStore.OpenAsync(DbPath, null, Ct);
        Assert.Equal(3, (await reopened.GetHistoryAsync("datanode1", 10, Ct)).Count);
        await reopened.DisposeAsync();
    }

    [Fact]
    public async Task Every_connection_new_or_pooled_has_the_busy_timeout_foreign_keys_and_the_current_page_cap()
    {
        // The settings are applied once per pooled SQLite handle, and again when the cap changes.
        var store = await SqliteStore.OpenAsync(DbPath, null, Ct);
        try
        {
            foreach (var cap in new long?[] { null, null, 5000, 5000, null })
            {
                store.MaxPageCount = cap;
                // Two at once: the pool hands out a second handle too.
                await using var first = await store.OpenConnectionAsync(Ct);
                await using var second = await store.OpenConnectionAsync(Ct);
                foreach (var connection in new[] { first, second })
                {
                    Assert.Equal(1L, await ScalarAsync(connection, "PRAGMA foreign_keys;"));
                    Assert.Equal((long)SqliteStore.BusyTimeout.TotalMilliseconds, await ScalarAsync(connection, "PRAGMA busy_timeout;"));
                    Assert.Equal(cap ?? 4294967294L, await ScalarAsync(connection, "PRAGMA max_page_count;"));
                }
            }
        }
        finally
        {
            await store.DisposeAsync();
        }

        static async Task<long> ScalarAsync(SqliteConnection connection, string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return (long)(await command.ExecuteScalarAsync())!;
        }
    }

    [Fact]
    public async Task Open_applies_every_migration_and_reopen_applies_none()
    {
        var first = await SqliteStore.OpenAsync(DbPath, null, Ct);
        Assert.Equal(SqliteMigrations.All.Count, first.SchemaVersion);
        await first.RecordTransitionAsync(T(0, PairState.Sync, PairState.Async, PairTrigger.ObservedAsync, "r"), Ct);

        var again = await SqliteStore.OpenAsync(DbPath, null, Ct);

        Assert.Equal(SqliteMigrations.All.Count, again.SchemaVersion);
        Assert.Single(await again.GetHistoryAsync("datanode1", 10, Ct));
    }

    [Fact]
    public async Task An_appended_migration_applies_to_an_existing_file()
    {
        await SqliteStore.OpenAsync(DbPath, null, Ct);
        var next = SqliteMigrations.All.Append(new SqliteMigration(SqliteMigrations.All.Count + 1, "alerts",
            "CREATE TABLE alert (id INTEGER PRIMARY KEY, code TEXT NOT NULL) STRICT;")).ToArray();

        var store = await SqliteStore.OpenAsync(DbPath, next, null, Ct);

        Assert.Equal(next.Length, store.SchemaVersion);
        await using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alert';";
        Assert.Equal(1L, await command.ExecuteScalarAsync(Ct));
        // And the older program refuses the newer file instead of corrupting it.
        var ex = await Assert.ThrowsAsync<StoreOpenException>(() => SqliteStore.OpenAsync(DbPath, null, Ct));
        Assert.Contains("newer than this bot knows", ex.Message);
        Assert.True(ex.CanNeverWork);
    }

    [Fact]
    public async Task Migrations_out_of_order_are_refused()
    {
        var bad = new[] { new SqliteMigration(2, "two", "SELECT 1;") };
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => SqliteStore.OpenAsync(DbPath, bad, null, Ct));
        Assert.Contains("versions must run 1, 2, 3", ex.Message);
    }

    [Fact]
    public async Task Database_is_in_wal_mode()
    {
        var store = await SqliteStore.OpenAsync(DbPath, null, Ct);
        Assert.Equal("wal", await store.GetJournalModeAsync(Ct));
    }

    [Fact]
    public async Task Transitions_round_trip_newest_first()
    {
        var store = await SqliteStore.OpenAsync(DbPath, null, Ct);
        var a = T(0, PairState.Sync, PairState.DegradedSlaveLost, PairTrigger.ObservedSlaveLost, "The synchronous slave stopped streaming");
        var b = T(5, PairState.DegradedSlaveLost, PairState.Async, PairTrigger.SlaveRebuilt, "The slave was rebuilt; it's 'quoted'");
        var c = T(9, PairState.Async, PairState.Sync, PairTrigger.SyncEnabled, "An operator made the slave synchronous");
        var other = T(7, PairState.Sync, PairState.Async, PairTrigger.ObservedAsync, "other pair", "datanode2");
        foreach (var t in new[] { a, c, b, other }) await store.RecordTransitionAsync(t, Ct);

        Assert.Equal([c, b, a], await store.GetHistoryAsync("datanode1", 10, Ct));
        Assert.Equal([c, b], await store.GetHistoryAsync("datanode1", 2, Ct));
        Assert.Equal([other], await store.GetHistoryAsync("datanode2", 10, Ct));
        Assert.Empty(await store.GetHistoryAsync("datanode3", 10, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.GetHistoryAsync("datanode1", 0, Ct));
    }

    [Fact]
    public async Task State_survives_reopen()
    {
        var store = await SqliteStore.OpenAsync(DbPath, null, Ct);
        Assert.Null(await store.GetStateAsync("datanode1", Ct));
        await store.RecordTransitionAsync(T(0, PairState.Sync, PairState.DegradedMasterLost, PairTrigger.ObservedMasterLost, "lost"), Ct);
        await store.RecordTransitionAsync(T(1, PairState.DegradedMasterLost, PairState.Promoted, PairTrigger.PromoteCompleted, "promoted"), Ct);

        var reopened = await SqliteStore.OpenAsync(DbPath, null, Ct);

        Assert.Equal(PairState.Promoted, await reopened.GetStateAsync("datanode1", Ct));
        Assert.Null(await reopened.GetStateAsync("datanode2", Ct));
    }

    [Fact]
    public async Task Empty_path_or_missing_directory_is_a_clear_error()
    {
        var empty = await Assert.ThrowsAsync<ArgumentException>(() => SqliteStore.OpenAsync(" ", null, Ct));
        Assert.Contains("store.path", empty.Message);
        var missing = await Assert.ThrowsAsync<StoreOpenException>(() =>
            SqliteStore.OpenAsync(Path.Combine(_dir, "nope", "state.db"), null, Ct));
        Assert.Contains("does not exist", missing.Message);
    }
}
