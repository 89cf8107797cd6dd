using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;

namespace PgxcBot.Store;

/// <summary>
/// The bot's memory in one SQLite file: pair states and their transition history (later: operations,
/// steps, approvals, alerts). Opening applies the pending migrations and puts the file in WAL mode, so
/// that readers (a status command) never block the monitor's writes. Each call opens its own
/// connection with busy_timeout and foreign keys on; the store is safe to use from several tasks and processes.
/// <para>
/// A read or write that fails throws <see cref="StoreUnavailableException"/> naming the file and the fix. A
/// failed write is remembered until a later write succeeds, so <see cref="CheckWritableAsync"/> (and /healthz)
/// reports a full disk even though taking the lock still works.
/// </para>
/// </summary>
public sealed class SqliteStore : IPairStateStore, IStoreDatabase, IAsyncDisposable
{
    /// <summary>How long a writer waits for another writer's lock before SQLite gives up.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(5);

    private readonly string _connectionString;
    private readonly ILogger _logger;
    private readonly WriteHealth _writeHealth;

    /// <summary>
    /// A connection held open for the store's life, used once (a read, so that it holds the WAL open) and never again.
    /// When the last connection to a WAL database closes,
    /// SQLite checkpoints the WAL into the file, deletes the -wal and -shm files and unmaps the shared memory; the next
    /// call (every call opens its own connection) creates and maps them again. The monitor makes several calls a
    /// poll, so that cycle ran several times a second: on the idle benchmark (16 pairs) the SQLite work and the file
    /// system calls it made (unlink, munmap with its TLB flush, fsync) were a quarter of the process's CPU. With this
    /// one open, the WAL is checkpointed by SQLite's own auto-checkpoint instead.
    /// </summary>
    private SqliteConnection? _walKeeper;

    /// <summary>The SQLite handles of pooled connections that have the per-connection settings, with the page cap they
    /// were given (see <see cref="OpenConnectionAsync"/>); a handle closed by the pool leaves with it.</summary>
    private readonly ConditionalWeakTable<SQLitePCL.sqlite3, StrongBox<long>> _configured = new();

    private SqliteStore(string path, string connectionString, int schemaVersion, ILogger logger)
    {
        Path = path;
        _connectionString = connectionString;
        SchemaVersion = schemaVersion;
        _logger = logger;
        _writeHealth = new WriteHealth(logger, $"the store {path}");
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Closes the connection that keeps the WAL open and the pooled ones (the last one to close checkpoints
    /// it). Calls made after this still work, on new connections. The serving bot never calls it: the store lives as
    /// long as the process.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _walKeeper, null) is { } keeper) await keeper.DisposeAsync().ConfigureAwait(false);
        // Closes the pooled connections now (those in use close when their call ends): the last one checkpoints the WAL.
        using var any = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(any);
    }

    /// <summary>PRAGMA user_version after the migrations ran.</summary>
    public int SchemaVersion { get; }

    /// <summary>Fired after each transaction of this process that wrote chat outbox entries (see <see cref="SqliteOutboxStore"/>).</summary>
    public Core.Outbox.OutboxPulse Pulse { get; } = new();

    /// <summary>
    /// Opens (creating if needed) the database at <paramref name="path"/>, switches it to WAL and applies
    /// every migration of <see cref="SqliteMigrations.All"/> it does not have yet. Throws
    /// <see cref="ArgumentException"/> for an empty path, and <see cref="StoreOpenException"/> naming the file and
    /// the fix when it cannot be used: <see cref="StoreOpenException.CanNeverWork"/> for a directory, a missing
    /// directory, a read-only or damaged file, a schema newer than this program, a file system without WAL.
    /// </summary>
    public static Task<SqliteStore> OpenAsync(string path, ILogger<SqliteStore>? logger, CancellationToken cancellationToken) =>
        OpenAsync(path, SqliteMigrations.All, logger, cancellationToken);

    /// <summary>As <see cref="OpenAsync(string, ILogger{SqliteStore}?, CancellationToken)"/> with an
    /// explicit migration list (tests, and checking that a new migration applies on an old file).</summary>
    public static async Task<SqliteStore> OpenAsync(string path, IReadOnlyList<SqliteMigration> migrations,
        ILogger<SqliteStore>? logger, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException("store.path is empty: set it to the SQLite file the bot keeps its state in (e.g. /var/lib/pgxcbot/state.db).", nameof(path));
        ArgumentNullException.ThrowIfNull(migrations);
        ValidateOrder(migrations);
        ILogger log = logger ?? (ILogger)NullLogger.Instance;

        var full = System.IO.Path.GetFullPath(path);
        CheckPath(full);

        // Pooled (Microsoft.Data.Sqlite's own pool): a new connection costs opening the file and its -wal, and parsing
        // the whole schema again, and the monitor makes a few dozen calls a second on 16 pairs. DisposeAsync empties
        // the pool, so nothing keeps the file open once the store is gone.
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();

        try
        {
            var store = new SqliteStore(full, connectionString, 0, log);
            await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

            var mode = (string?)await ScalarAsync(connection, "PRAGMA journal_mode = WAL;", cancellationToken).ConfigureAwait(false);
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                throw new StoreOpenException($"SQLite refused WAL mode for '{full}' (journal_mode is '{mode}'): put store.path on a local file system.", canNeverWork: true);

            var before = Convert.ToInt32(await ScalarAsync(connection, "PRAGMA user_version;", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            var known = migrations.Count == 0 ? 0 : migrations[^1].Version;
            if (before > known)
                throw new StoreOpenException($"'{full}' has schema version {before}, newer than this bot knows ({known}): upgrade the bot or point store.path at another file.",
                    canNeverWork: true);

            var version = before;
            foreach (var migration in migrations.Where(m => m.Version > before))
            {
                await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, tx, migration.Sql, cancellationToken).ConfigureAwait(false);
                // user_version takes no parameter; the version is an int from our own list.
                await ExecuteAsync(connection, tx, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {migration.Version};"), cancellationToken).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                version = migration.Version;
                log.LogInformation("Store {Path}: applied migration {Version} ({Name})", full, migration.Version, migration.Name);
            }
            log.LogInformation("Store {Path} open: schema version {Version}, journal mode {Mode}", full, version, mode);
            var opened = new SqliteStore(full, connectionString, version, log);
            opened._walKeeper = await opened.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            // One read makes it a WAL reader: only then does it hold the shared lock on the file (and map the -shm) for
            // its life, which is what stops another connection's close from seeing itself as the last one. Opened and
            // never read, it held nothing, and -wal and -shm were deleted and made again about 40 times a second.
            await ScalarAsync(opened._walKeeper, "SELECT count(*) FROM sqlite_master;", cancellationToken).ConfigureAwait(false);
            return opened;
        }
        catch (SqliteException e)
        {
            throw Diagnose(full, e);
        }
    }

    /// <summary>What can be told about the path before SQLite touches it. A read-only file is caught here:
    /// SQLite would open it read-only without a word and fail at the first write.</summary>
    private static void CheckPath(string full)
    {
        if (Directory.Exists(full))
            throw new StoreOpenException($"store.path '{full}' is a directory, not a file: set store.path to a file in it, e.g. \"{System.IO.Path.Combine(full, "pgxcbot.db")}\".",
                canNeverWork: true);
        if (System.IO.Path.GetDirectoryName(full) is { } dir && !Directory.Exists(dir))
            throw new StoreOpenException($"store.path '{full}': the directory '{dir}' does not exist: create it (mkdir -p {dir}, owned by the bot's user) or choose another path.",
                canNeverWork: true);
        if (File.Exists(full) && WhyNotWritable(full) is { } why)
            throw new StoreOpenException($"store.path '{full}' is read-only for this process (user {Environment.UserName}: {why}): " +
                                         "make the file and its directory writable for the bot's user (SQLite also creates the -wal and -shm files beside it), or choose another path.",
                canNeverWork: true);
    }

    private static StoreOpenException Diagnose(string full, SqliteException e)
    {
        var dir = System.IO.Path.GetDirectoryName(full) ?? ".";
        switch (e.SqliteErrorCode)
        {
            case SqliteErrors.NotADatabase or SqliteErrors.Corrupt:
                return new StoreOpenException($"store.path '{full}' is not a SQLite database, or it is damaged ({e.Message}): the bot cannot use it. " +
                                              $"Restore it from a backup, or move it aside (mv '{full}' '{full}.broken') to start with an empty store " +
                                              "(pending approvals and operation history are then lost); or fix store.path if it names the wrong file.", canNeverWork: true, e);
            case SqliteErrors.ReadOnly:
            case SqliteErrors.CantOpen when WhyNotWritable(full) is not null || DirectoryWriteProblem(dir) is not null:
                return new StoreOpenException($"store.path '{full}' cannot be written by this process (user {Environment.UserName}: " +
                                              $"{WhyNotWritable(full) ?? DirectoryWriteProblem(dir) ?? e.Message}): make the file and its directory '{dir}' writable for " +
                                              "the bot's user (SQLite creates the -wal and -shm files beside it), or choose another path.", canNeverWork: true, e);
            default:
                return new StoreOpenException($"store.path '{full}' could not be opened: {SqliteErrors.Explain(e)}.", canNeverWork: false, e);
        }
    }

    /// <summary>Null when the existing file opens for writing, else why not. Opening writes nothing.</summary>
    private static string? WhyNotWritable(string file)
    {
        if (!File.Exists(file)) return null;
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return "no permission to write it";
        }
        catch (IOException e)
        {
            return e.Message;
        }
    }

    /// <summary>Null when a file can be created in <paramref name="dir"/>, else why not (only asked after SQLite failed).</summary>
    private static string? DirectoryWriteProblem(string dir)
    {
        try
        {
            using var probe = new FileStream(System.IO.Path.Combine(dir, $".pgxcbot-probe-{Environment.ProcessId}-{Guid.NewGuid():N}"),
                FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            return null;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return $"the directory does not take new files: {e.Message}";
        }
    }

    /// <summary>The journal mode SQLite reports now ("wal" after a successful open).</summary>
    public async Task<string> GetJournalModeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return (string?)await ScalarAsync(connection, "PRAGMA journal_mode;", cancellationToken).ConfigureAwait(false) ?? "";
    }

    /// <summary>
    /// Caps the database at this many pages (<c>PRAGMA max_page_count</c> at every connection's use): a write
    /// that needs more fails with SQLITE_FULL exactly as on a full disk. Null (the default): no cap. For tests
    /// that need a full disk without filling one; set back to null and the store can write again.
    /// </summary>
    public long? MaxPageCount { get; set; }

    /// <summary>SQLite's own largest max_page_count (SQLITE_MAX_PAGE_COUNT, 4294967294 since 3.45): set when there is
    /// no cap, since a pooled connection keeps the cap it was last given.</summary>
    private const long NoPageLimit = 4294967294;

    /// <summary>Why the last write failed, while no write has succeeded since; null when the store writes.</summary>
    public string? WriteFailure => _writeHealth.Failure;

    /// <summary>
    /// Whether the bot could store a change now. Null when writable, else why not, naming the file. After a
    /// failed write (<see cref="WriteFailure"/>) it proves the store can grow again by writing and deleting a
    /// probe row of a few pages (and forgets the failure when that works); otherwise it only takes the write
    /// lock (BEGIN IMMEDIATE) and rolls back, writing nothing. For the health endpoint.
    /// </summary>
    public async Task<string?> CheckWritableAsync(CancellationToken cancellationToken)
    {
        var failure = WriteFailure;
        try
        {
            await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            // Not deferred: BEGIN IMMEDIATE takes the write lock now, which is the question asked.
            await using var tx = connection.BeginTransaction(deferred: false);
            if (failure is null)
            {
                await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return null;
            }
            await ExecuteAsync(connection, tx, "INSERT INTO store_probe (at, pad) VALUES (strftime('%Y-%m-%dT%H:%M:%fZ'), zeroblob(16384));", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, tx, "DELETE FROM store_probe;", cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            WriteSucceeded();
            return null;
        }
        catch (SqliteException e)
        {
            return failure is null
                ? $"the store {Path} is not writable: {SqliteErrors.Explain(e)}"
                : $"the store {Path} could not write: {failure}; it still cannot ({SqliteErrors.Explain(e)})";
        }
    }

    /// <summary>Runs a read on a fresh connection; a SQLite failure becomes <see cref="StoreUnavailableException"/>.</summary>
    internal async Task<T> ReadAsync<T>(string what, Func<SqliteConnection, Task<T>> read, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await read(connection).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            throw Unavailable(what, e, write: false);
        }
    }

    /// <summary>Runs a write on a fresh connection; a SQLite failure is remembered for the health check and
    /// becomes <see cref="StoreUnavailableException"/>; a success clears the remembered failure.</summary>
    internal async Task<T> WriteAsync<T>(string what, Func<SqliteConnection, Task<T>> write, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var result = await write(connection).ConfigureAwait(false);
            WriteSucceeded();
            return result;
        }
        catch (SqliteException e)
        {
            throw Unavailable(what, e, write: true);
        }
    }

    /// <summary>The exception for a failed read or write of <paramref name="what"/>, naming the file and the fix; a failed
    /// write is remembered for <see cref="CheckWritableAsync"/>.</summary>
    internal StoreUnavailableException Unavailable(string what, Exception e, bool write) =>
        _writeHealth.Unavailable(what, e is SqliteException sqlite ? SqliteErrors.Explain(sqlite) : e.Message, e, write);

    internal void WriteSucceeded() => _writeHealth.Succeeded();

    string IStoreDatabase.RowPlace => $"in {Path}";

    Task<T> IStoreDatabase.ReadAsync<T>(string what, Func<DbConnection, Task<T>> read, CancellationToken cancellationToken) =>
        ReadAsync(what, connection => read(connection), cancellationToken);

    Task<T> IStoreDatabase.WriteAsync<T>(string what, Func<DbConnection, DbTransaction, Task<T>> write, CancellationToken cancellationToken) =>
        WriteAsync(what, async connection =>
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var result = await write(connection, tx).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }, cancellationToken);

    async Task<(DbConnection Connection, DbTransaction Transaction)> IStoreDatabase.BeginOperationsAsync(CancellationToken cancellationToken)
    {
        SqliteConnection? connection = null;
        try
        {
            connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            // BEGIN IMMEDIATE: the write lock now, not at the first write, so the reads of this unit are the
            // version the writes are decided on (a deferred read would race another process's writer).
            return (connection, connection.BeginTransaction(deferred: false));
        }
        catch (SqliteException e)
        {
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
            throw Unavailable("(it could not take the write lock)", e, write: true);
        }
    }

    bool IStoreDatabase.IsFailure(Exception e) => e is SqliteException;

    StoreUnavailableException IStoreDatabase.Unavailable(string what, Exception e, bool write) => Unavailable(what, e, write);

    void IStoreDatabase.WriteSucceeded() => WriteSucceeded();

    /// <inheritdoc />
    public Task<PairState?> GetStateAsync(string datanode, CancellationToken cancellationToken) => PairStateTable.GetStateAsync(this, datanode, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, PairState>> GetStatesAsync(CancellationToken cancellationToken) => PairStateTable.GetStatesAsync(this, cancellationToken);

    /// <inheritdoc />
    public async Task RecordTransitionAsync(PairTransition transition, CancellationToken cancellationToken)
    {
        await PairStateTable.RecordTransitionAsync(this, transition, cancellationToken).ConfigureAwait(false);
        _logger.LogDebug("Stored transition of {Datanode}: {From} -> {To} on {Trigger}", transition.Datanode, transition.From, transition.To, transition.Trigger);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<PairTransition>> GetHistoryAsync(string datanode, int limit, CancellationToken cancellationToken) =>
        PairStateTable.GetHistoryAsync(this, datanode, limit, cancellationToken);

    /// <summary>The state changes from <paramref name="since"/> on, plus the last one before it for each pair (so a window
    /// that began earlier is known), oldest first; every pair when <paramref name="datanode"/> is null.</summary>
    public Task<IReadOnlyList<PairTransition>> GetTransitionsSinceAsync(string? datanode, DateTimeOffset since, CancellationToken cancellationToken) =>
        ReadAsync("the state changes", connection => StoreSql.Query(connection, null, $"""
            SELECT {PairStateTable.TransitionColumns} FROM pair_transition t
            WHERE (@datanode IS NULL OR datanode = @datanode)
              AND (at_ms >= @since OR id = (SELECT id FROM pair_transition p WHERE p.datanode = t.datanode AND p.at_ms < @since ORDER BY at_ms DESC, id DESC LIMIT 1))
            ORDER BY at_ms, id;
            """, PairStateTable.ReadTransition, cancellationToken, ("datanode", datanode), ("since", since.ToUnixTimeMilliseconds())), cancellationToken);

    /// <summary>An open connection (from the pool, or new) with the per-connection settings applied (busy timeout,
    /// foreign keys, <see cref="MaxPageCount"/>). For the stores of this file in this assembly.</summary>
    internal async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var cap = MaxPageCount ?? NoPageLimit;
            // A pooled connection keeps its SQLite handle and with it these settings: they are applied once per handle
            // (and again when the cap changes), not at every open. At every open they were a statement and a read lock
            // of the file each time, about 20 a second while the monitor polled 16 pairs (perf: 4 % of the idle bot).
            if (connection.Handle is not { } handle || !_configured.TryGetValue(handle, out var applied) || applied.Value != cap)
            {
                var pragmas = string.Create(CultureInfo.InvariantCulture,
                    $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}; PRAGMA foreign_keys = ON; PRAGMA max_page_count = {cap};");
                await ExecuteAsync(connection, null, pragmas, cancellationToken).ConfigureAwait(false);
                if (connection.Handle is { } opened) _configured.AddOrUpdate(opened, new StrongBox<long>(cap));
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static void ValidateOrder(IReadOnlyList<SqliteMigration> migrations)
    {
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
                throw new InvalidOperationException($"Migration '{migrations[i].Name}' has version {migrations[i].Version} at position {i + 1}: versions must run 1, 2, 3... in order.");
        }
    }

    private static Task<int> ExecuteAsync(SqliteConnection connection, SqliteTransaction? tx, string sql, CancellationToken cancellationToken) =>
        StoreSql.Execute(connection, tx, sql, cancellationToken);

    private static Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken) =>
        StoreSql.Scalar(connection, null, sql, cancellationToken);
}
