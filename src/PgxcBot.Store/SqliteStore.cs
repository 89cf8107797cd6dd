using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PgxcBot.Core.Pairs;

namespace PgxcBot.Store;

/// <summary>
/// The bot's memory in one SQLite file: pair states and their transition history (later: operations,
/// steps, approvals, alerts). Opening applies the pending migrations and puts the file in WAL mode, so
/// that readers (a status command) never block the monitor's writes. Each call opens its own
/// connection with busy_timeout and foreign keys on; the store is safe to use from several tasks.
/// </summary>
public sealed class SqliteStore : IPairStateStore
{
    /// <summary>How long a writer waits for another writer's lock before SQLite gives up.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(5);

    private readonly string _connectionString;
    private readonly ILogger _logger;

    private SqliteStore(string path, string connectionString, int schemaVersion, ILogger logger)
    {
        Path = path;
        _connectionString = connectionString;
        SchemaVersion = schemaVersion;
        _logger = logger;
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>PRAGMA user_version after the migrations ran.</summary>
    public int SchemaVersion { get; }

    /// <summary>
    /// Opens (creating if needed) the database at <paramref name="path"/>, switches it to WAL and applies
    /// every migration of <see cref="SqliteMigrations.All"/> it does not have yet. Throws
    /// <see cref="ArgumentException"/> for an empty path, <see cref="InvalidOperationException"/> when
    /// the file's schema is newer than this program or WAL cannot be enabled.
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
        if (System.IO.Path.GetDirectoryName(full) is { } dir && !Directory.Exists(dir))
            throw new ArgumentException($"store.path '{full}': the directory '{dir}' does not exist; create it or choose another path.", nameof(path));

        // Pooling off: a pooled handle would keep the file open after the store is gone (tests delete
        // their files; an operator may move the file between runs).
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();

        var store = new SqliteStore(full, connectionString, 0, log);
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

        var mode = (string?)await ScalarAsync(connection, "PRAGMA journal_mode = WAL;", cancellationToken).ConfigureAwait(false);
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"SQLite refused WAL mode for '{full}' (journal_mode is '{mode}'); put store.path on a local file system.");

        var before = Convert.ToInt32(await ScalarAsync(connection, "PRAGMA user_version;", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        var known = migrations.Count == 0 ? 0 : migrations[^1].Version;
        if (before > known)
            throw new InvalidOperationException($"'{full}' has schema version {before}, newer than this bot knows ({known}): upgrade the bot or point store.path at another file.");

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
        return new SqliteStore(full, connectionString, version, log);
    }

    /// <summary>The journal mode SQLite reports now ("wal" after a successful open).</summary>
    public async Task<string> GetJournalModeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return (string?)await ScalarAsync(connection, "PRAGMA journal_mode;", cancellationToken).ConfigureAwait(false) ?? "";
    }

    /// <summary>
    /// Whether the bot could store a change now: takes the write lock (BEGIN IMMEDIATE) and rolls back.
    /// Null when writable, else why not (read-only file or disk, locked past the busy timeout, missing file).
    /// For the health endpoint; it writes nothing.
    /// </summary>
    public async Task<string?> CheckWritableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            // Not deferred: BEGIN IMMEDIATE takes the write lock now, which is the question asked.
            await using var tx = connection.BeginTransaction(deferred: false);
            await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (SqliteException e)
        {
            return $"the store {Path} is not writable: {e.Message}";
        }
    }

    /// <inheritdoc />
    public async Task<PairState?> GetStateAsync(string datanode, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(datanode);
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT state FROM pair_state WHERE datanode = $datanode;";
        command.Parameters.AddWithValue("$datanode", datanode);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is string text ? ParseEnum<PairState>(text, "pair_state.state", datanode) : null;
    }

    /// <inheritdoc />
    public async Task RecordTransitionAsync(PairTransition transition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transition);
        ArgumentException.ThrowIfNullOrWhiteSpace(transition.Datanode);
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var at = transition.At.ToString("O", CultureInfo.InvariantCulture);

        await using (var upsert = connection.CreateCommand())
        {
            upsert.Transaction = tx;
            upsert.CommandText = """
                INSERT INTO pair_state (datanode, state, updated_at) VALUES ($datanode, $state, $at)
                ON CONFLICT (datanode) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at;
                """;
            upsert.Parameters.AddWithValue("$datanode", transition.Datanode);
            upsert.Parameters.AddWithValue("$state", transition.To.ToString());
            upsert.Parameters.AddWithValue("$at", at);
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = tx;
            insert.CommandText = """
                INSERT INTO pair_transition (datanode, at, at_ms, from_state, to_state, trigger_name, reason)
                VALUES ($datanode, $at, $atMs, $from, $to, $trigger, $reason);
                """;
            insert.Parameters.AddWithValue("$datanode", transition.Datanode);
            insert.Parameters.AddWithValue("$at", at);
            insert.Parameters.AddWithValue("$atMs", transition.At.ToUnixTimeMilliseconds());
            insert.Parameters.AddWithValue("$from", transition.From.ToString());
            insert.Parameters.AddWithValue("$to", transition.To.ToString());
            insert.Parameters.AddWithValue("$trigger", transition.Trigger.ToString());
            insert.Parameters.AddWithValue("$reason", transition.Reason);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        _logger.LogDebug("Stored transition of {Datanode}: {From} -> {To} on {Trigger}", transition.Datanode, transition.From, transition.To, transition.Trigger);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PairTransition>> GetHistoryAsync(string datanode, int limit, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(datanode);
        if (limit <= 0) throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must be at least 1.");
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT at, from_state, to_state, trigger_name, reason FROM pair_transition
            WHERE datanode = $datanode ORDER BY at_ms DESC, id DESC LIMIT $limit;
            """;
        command.Parameters.AddWithValue("$datanode", datanode);
        command.Parameters.AddWithValue("$limit", limit);
        var result = new List<PairTransition>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(new PairTransition(
                datanode,
                DateTimeOffset.Parse(reader.GetString(0), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                ParseEnum<PairState>(reader.GetString(1), "pair_transition.from_state", datanode),
                ParseEnum<PairState>(reader.GetString(2), "pair_transition.to_state", datanode),
                ParseEnum<PairTrigger>(reader.GetString(3), "pair_transition.trigger_name", datanode),
                reader.GetString(4)));
        }
        return result;
    }

    /// <summary>A new connection with the per-connection settings applied. For later stores of this
    /// file (operations, alerts) in this assembly.</summary>
    internal async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var pragmas = string.Create(CultureInfo.InvariantCulture,
                $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}; PRAGMA foreign_keys = ON;");
            await ExecuteAsync(connection, null, pragmas, cancellationToken).ConfigureAwait(false);
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

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? tx, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    private static T ParseEnum<T>(string text, string column, string datanode) where T : struct, Enum =>
        Enum.TryParse<T>(text, ignoreCase: false, out var value) && Enum.IsDefined(value)
            ? value
            : throw new InvalidDataException($"{column} of '{datanode}' holds '{text}', which this bot does not know; was the file written by a newer version?");
}
