using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Replicas;

namespace PgxcBot.Store.Postgres;

/// <summary>
/// The bot's memory in a PostgreSQL database shared by the bot's replicas (a small database of its own, never the
/// cluster the bot manages). Opening applies <see cref="PostgresMigrations.All"/> under an advisory lock (two
/// replicas starting at once migrate once) and the coordination tables. Every write runs in a transaction that
/// first checks the fencing token (<see cref="IWriteFence"/>, when one is given): the stored lease must still name
/// this replica and its epoch, else the write is refused with <see cref="LeaseLostException"/> inside
/// <see cref="StoreUnavailableException"/> and nothing is written. The check locks the lease row FOR SHARE, so a
/// takeover (which updates that row) waits for the writes in flight and every later write of the old leader fails.
/// </summary>
public sealed class PostgresStore : IPairStateStore, IStoreDatabase, IAsyncDisposable
{
    /// <summary>Key of the transaction-level advisory lock every unit of work on operations takes first: the
    /// PostgreSQL counterpart of SQLite's BEGIN IMMEDIATE (reads of a unit are the version its writes decide on).</summary>
    internal const long OperationLockKey = 0x7067786362_01;

    private const long MigrationLockKey = 0x7067786362_00;

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;
    private readonly WriteHealth _writeHealth;

    private PostgresStore(NpgsqlDataSource dataSource, string description, int schemaVersion, IWriteFence? fence, ILogger logger)
    {
        _dataSource = dataSource;
        Description = description;
        SchemaVersion = schemaVersion;
        Fence = fence;
        _logger = logger;
        _writeHealth = new WriteHealth(logger, $"the {description}");
    }

    /// <summary>How long the server lets a session of the store sit idle inside a transaction before ending it (a third
    /// of the default 15 s lease: a frozen leader's locks are gone before its lease runs out).</summary>
    public static readonly TimeSpan IdleInTransactionTimeout = TimeSpan.FromSeconds(5);

    /// <summary>"PostgreSQL store host:port/database", for messages; never the password.</summary>
    public string Description { get; }

    /// <summary>The highest migration applied.</summary>
    public int SchemaVersion { get; }

    /// <summary>The fencing token writes are checked against; null: writes are not fenced (one writer, tests).</summary>
    public IWriteFence? Fence { get; private set; }

    /// <summary>Fences every later write with <paramref name="fence"/>. For a host that opens the store before the
    /// elector exists (the elector's lease lives in this store); a store is fenced once.</summary>
    public void FenceWith(IWriteFence fence)
    {
        ArgumentNullException.ThrowIfNull(fence);
        if (Fence is not null) throw new InvalidOperationException($"the {Description} is already fenced");
        Fence = fence;
    }

    /// <summary>Fired after each transaction of this process that wrote chat outbox entries.</summary>
    public Core.Outbox.OutboxPulse Pulse { get; } = new();

    /// <summary>
    /// Connects with <paramref name="connectionString"/> (an Npgsql connection string, from <c>store.connectionString</c>)
    /// and applies the migrations it lacks. Throws <see cref="ArgumentException"/> for an empty or malformed string and
    /// <see cref="StoreOpenException"/> naming host, port and database when it cannot be used (unreachable, refused
    /// login, schema newer than this program: the last can never work).
    /// </summary>
    public static Task<PostgresStore> OpenAsync(string connectionString, IWriteFence? fence, ILogger<PostgresStore>? logger, CancellationToken cancellationToken) =>
        OpenAsync(connectionString, PostgresMigrations.All, fence, logger, cancellationToken);

    /// <summary>As <see cref="OpenAsync(string, IWriteFence?, ILogger{PostgresStore}?, CancellationToken)"/> with an
    /// explicit migration list (tests).</summary>
    public static async Task<PostgresStore> OpenAsync(string connectionString, IReadOnlyList<PostgresMigration> migrations, IWriteFence? fence,
        ILogger<PostgresStore>? logger, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new ArgumentException("store.connectionString resolved to an empty string: point it at a secret holding an Npgsql connection string " +
                                        "(e.g. \"Host=store.example;Database=pgxcbot;Username=pgxcbot;Password=...\").", nameof(connectionString));
        ArgumentNullException.ThrowIfNull(migrations);
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
                throw new InvalidOperationException($"Migration '{migrations[i].Name}' has version {migrations[i].Version} at position {i + 1}: versions must run 1, 2, 3... in order.");
        }
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"store.connectionString is not an Npgsql connection string ({e.Message}): write it as \"Host=...;Database=...;Username=...;Password=...\".",
                nameof(connectionString), e);
        }
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = "pgxcbot-store";
        // A leader frozen (SIGSTOP, a paused VM) in the middle of a write holds the lease row FOR SHARE, and its session
        // stays open: the other replica's takeover would wait on that row lock for as long as the freeze lasts (seen in
        // ServeReplicaTests). The server ends such a session after this idle time inside a transaction, releasing its
        // locks; no write of the bot leaves a transaction idle on purpose (PostgreSQL docs, client connection defaults).
        if (builder.Options?.Contains("idle_in_transaction_session_timeout", StringComparison.Ordinal) != true)
            builder.Options = ($"{builder.Options} -c idle_in_transaction_session_timeout={(int)IdleInTransactionTimeout.TotalMilliseconds}").Trim();
        var description = $"PostgreSQL store {builder.Host}:{builder.Port}/{builder.Database}";
        ILogger log = logger ?? (ILogger)NullLogger.Instance;
        var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        try
        {
            var version = await MigrateAsync(dataSource, migrations, description, log, cancellationToken).ConfigureAwait(false);
            log.LogInformation("{Store} open: schema version {Version}", description, version);
            return new PostgresStore(dataSource, description, version, fence, log);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            var never = e is PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification or PostgresErrorCodes.InvalidCatalogName };
            throw new StoreOpenException($"{description} could not be opened: {e.Message}. " +
                                         (never ? "Fix store.connectionString (user, password, database name) and restart." : "Check that the store database runs and accepts this bot's connections."),
                never, e);
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<int> MigrateAsync(NpgsqlDataSource dataSource, IReadOnlyList<PostgresMigration> migrations, string description, ILogger log,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Two replicas starting together: the second waits here and then finds nothing to do.
        await Execute(connection, tx, "SELECT pg_advisory_xact_lock(@key);", cancellationToken, ("key", MigrationLockKey)).ConfigureAwait(false);
        await Execute(connection, tx, "CREATE TABLE IF NOT EXISTS store_schema (version integer NOT NULL, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());",
            cancellationToken).ConfigureAwait(false);
        await using (var read = new NpgsqlCommand("SELECT COALESCE(max(version), 0) FROM store_schema;", connection, tx))
        {
            var before = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            var known = migrations.Count == 0 ? 0 : migrations[^1].Version;
            if (before > known)
                throw new StoreOpenException($"{description} has schema version {before}, newer than this bot knows ({known}): upgrade this replica to the version the others run.",
                    canNeverWork: true);
            foreach (var migration in migrations.Where(m => m.Version > before))
            {
                await Execute(connection, tx, migration.Sql, cancellationToken).ConfigureAwait(false);
                await Execute(connection, tx, "INSERT INTO store_schema (version, name) VALUES (@v, @n);", cancellationToken,
                    ("v", migration.Version), ("n", migration.Name)).ConfigureAwait(false);
                log.LogInformation("{Store}: applied migration {Version} ({Name})", description, migration.Version, migration.Name);
            }
        }
        await Execute(connection, tx, PostgresMigrations.Coordination, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return migrations.Count == 0 ? 0 : migrations[^1].Version;
    }

    /// <summary>Why the last write failed, while no write has succeeded since; null when the store writes.</summary>
    public string? WriteFailure => _writeHealth.Failure;

    /// <summary>Null when this process could store a change now, else why not: the database answers, is not a
    /// read-only standby, and (when fenced) this replica holds the lease. Writes nothing. For /healthz.</summary>
    public async Task<string?> CheckWritableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery();", connection);
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                return $"the {Description} is a read-only standby: point store.connectionString at the primary (or a host name that follows it)";
            // A standby writes nothing: a write that failed in a turn it no longer has (a frozen leader's session ended
            // by the server, a write refused by the fence) says nothing about the store now, and would never clear.
            if (Fence is { Current: null }) return null;
            return WriteFailure is { } failure ? $"the {Description} could not write: {failure}" : null;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return $"the {Description} does not answer: {e.Message}";
        }
    }

    /// <summary>The store's logger (the lease logs through it).</summary>
    internal ILogger Logger => _logger;

    /// <summary>A connection from the pool (for the lease, which is not fenced, and reads).</summary>
    internal ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken) => _dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>Runs a read on a pooled connection; a database failure becomes <see cref="StoreUnavailableException"/>.</summary>
    internal async Task<T> ReadAsync<T>(string what, Func<NpgsqlConnection, Task<T>> read, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await read(connection).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw Unavailable(what, e, write: false);
        }
    }

    /// <summary>Runs <paramref name="write"/> in one transaction, after the fencing check; commits when it returns.</summary>
    internal async Task<T> WriteAsync<T>(string what, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> write, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await CheckFenceAsync(connection, tx, what, cancellationToken).ConfigureAwait(false);
            var result = await write(connection, tx).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            WriteSucceeded();
            return result;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw Unavailable(what, e, write: true);
        }
    }

    /// <summary>
    /// Refuses the transaction unless the stored lease names this replica with its epoch and has not expired by the
    /// database clock. FOR SHARE holds the lease row until the transaction ends: a takeover commits before or after
    /// this write, never in between. No fence configured: nothing to check.
    /// </summary>
    internal async Task CheckFenceAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string what, CancellationToken cancellationToken)
    {
        if (Fence is null) return;
        var token = Fence.Current;
        if (token is not null)
        {
            await using var command = new NpgsqlCommand("""
                SELECT 1 FROM bot_lease WHERE name = @name AND holder = @holder AND epoch = @epoch AND expires_at > clock_timestamp() FOR SHARE;
                """, connection, tx);
            command.Parameters.AddWithValue("name", PostgresLeaderLease.LeaseName);
            command.Parameters.AddWithValue("holder", token.Holder);
            command.Parameters.AddWithValue("epoch", token.Epoch);
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null) return;
        }
        var lost = new LeaseLostException(token is null
            ? $"this replica is standby and does not write {what}"
            : $"this replica's lease (epoch {token.Epoch}) is no longer the current one: another replica took over; {what} was not written");
        _logger.LogWarning("{Store}: refused a write of {What}: {Why}", Description, what, lost.Message);
        throw new StoreUnavailableException($"the {Description} refused {what}: {lost.Message}", lost);
    }

    /// <summary>The exception for a failed read or write of <paramref name="what"/>, naming the store and the cause; a
    /// failed write is remembered for <see cref="CheckWritableAsync"/>.</summary>
    internal StoreUnavailableException Unavailable(string what, Exception e, bool write) =>
        _writeHealth.Unavailable(what, e is PostgresException p ? $"{p.SqlState}: {p.MessageText}" : e.Message, e, write);

    internal void WriteSucceeded() => _writeHealth.Succeeded();

    /// <summary>Runs one statement with named parameters (null values become SQL NULL).</summary>
    internal static Task<int> Execute(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters) =>
        StoreSql.Execute(connection, tx, sql, cancellationToken, parameters);

    /// <summary>Runs one query and maps each row.</summary>
    internal static Task<IReadOnlyList<T>> Query<T>(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, Func<NpgsqlDataReader, T> map,
        CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        StoreSql.Query(connection, tx, sql, reader => map((NpgsqlDataReader)reader), cancellationToken, parameters);

    string IStoreDatabase.RowPlace => $"in the {Description}";

    Task<T> IStoreDatabase.ReadAsync<T>(string what, Func<DbConnection, Task<T>> read, CancellationToken cancellationToken) =>
        ReadAsync(what, connection => read(connection), cancellationToken);

    Task<T> IStoreDatabase.WriteAsync<T>(string what, Func<DbConnection, DbTransaction, Task<T>> write, CancellationToken cancellationToken) =>
        WriteAsync(what, (connection, tx) => write(connection, tx), cancellationToken);

    async Task<(DbConnection Connection, DbTransaction Transaction)> IStoreDatabase.BeginOperationsAsync(CancellationToken cancellationToken)
    {
        NpgsqlConnection? connection = null;
        try
        {
            connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await Execute(connection, tx, "SELECT pg_advisory_xact_lock(@key);", cancellationToken, ("key", OperationLockKey)).ConfigureAwait(false);
            await CheckFenceAsync(connection, tx, "a change of operations", cancellationToken).ConfigureAwait(false);
            return (connection, tx);
        }
        catch (Exception e)
        {
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
            if (e is NpgsqlException or TimeoutException) throw Unavailable("(it could not take the operations lock)", e, write: true);
            throw;
        }
    }

    bool IStoreDatabase.IsFailure(Exception e) => e is NpgsqlException or TimeoutException;

    StoreUnavailableException IStoreDatabase.Unavailable(string what, Exception e, bool write) => Unavailable(what, e, write);

    void IStoreDatabase.WriteSucceeded() => WriteSucceeded();

    /// <inheritdoc />
    public Task<PairState?> GetStateAsync(string datanode, CancellationToken cancellationToken) => PairStateTable.GetStateAsync(this, datanode, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, PairState>> GetStatesAsync(CancellationToken cancellationToken) => PairStateTable.GetStatesAsync(this, cancellationToken);

    /// <inheritdoc />
    public Task RecordTransitionAsync(PairTransition transition, CancellationToken cancellationToken) =>
        PairStateTable.RecordTransitionAsync(this, transition, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<PairTransition>> GetHistoryAsync(string datanode, int limit, CancellationToken cancellationToken) =>
        PairStateTable.GetHistoryAsync(this, datanode, limit, cancellationToken);

    /// <summary>Closes the pool.</summary>
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
