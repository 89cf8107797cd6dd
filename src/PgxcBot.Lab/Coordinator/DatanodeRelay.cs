using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// Runs EXECUTE DIRECT's SQL on the server a node points at, over a fresh Npgsql connection (no pooling,
/// so a restarted or repointed target is seen at once; one data source per host:port keeps the loaded
/// types). Rows come back with bool/int/text-like types preserved and everything else as text. An
/// unreachable target fails like XL's pooler does.
/// </summary>
internal sealed class DatanodeRelay(CoordinatorSimulatorOptions options, ILogger logger) : IAsyncDisposable
{
    readonly ConcurrentDictionary<(string Host, int Port), NpgsqlDataSource> _dataSources = new();
    public const string PoolHint =
        "This may happen because one or more nodes are currently unreachable, either because of node or network failure.\n" +
        " Its also possible that the target node may have hit the connection limit or the pooler is configured with low connections.\n" +
        " Please check if all nodes are running fine and also review max_connections and max_pool_size configuration parameters";

    public static SimulatedPgException PooledConnectionsFailed() =>
        new("53000", "Failed to get pooled connections", PoolHint);

    public static SimulatedNotice FileDescriptorsWarning() =>
        new("WARNING", "01000", "failed to receive file descriptors for connections");

    string ConnectionString(PgxcNodeRow target) => new NpgsqlConnectionStringBuilder
    {
        Host = target.NodeHost,
        Port = target.NodePort,
        Username = options.DatanodeUser,
        Password = options.DatanodePassword,
        Database = options.DatanodeDatabase,
        Pooling = false,
        Timeout = Math.Max(1, (int)Math.Ceiling(options.DatanodeConnectTimeout.TotalSeconds)),
        ApplicationName = "pgxc-coordinator-simulator",
    }.ConnectionString;

    /// <summary>Checks that the target accepts a connection (for statements the simulator emulates).</summary>
    public async Task ProbeAsync(PgxcNodeRow target, List<SimulatedNotice> notices, CancellationToken ct)
    {
        await using var connection = await OpenAsync(target, notices, ct).ConfigureAwait(false);
    }

    public async Task<StatementResult> RunAsync(PgxcNodeRow target, string sql, List<SimulatedNotice> notices, CancellationToken ct)
    {
        await using var connection = await OpenAsync(target, notices, ct).ConfigureAwait(false);
        try
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (reader.FieldCount == 0)
                return StatementResult.Command("EXECUTE DIRECT");
            var columns = new ResultColumn[reader.FieldCount];
            for (var i = 0; i < columns.Length; i++)
                columns[i] = new ResultColumn(reader.GetName(i), OidOf(reader.GetFieldType(i), reader.GetDataTypeName(i)));
            var rows = new List<object?[]>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var row = new object?[columns.Length];
                for (var i = 0; i < row.Length; i++)
                    row[i] = await reader.IsDBNullAsync(i, ct).ConfigureAwait(false) ? null : Normalize(reader.GetValue(i), columns[i].TypeOid);
                rows.Add(row);
            }
            return StatementResult.Select(columns, rows);
        }
        catch (PostgresException e)
        {
            throw new SimulatedPgException(e.SqlState, e.MessageText, e.Hint);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or SocketException && !ct.IsCancellationRequested)
        {
            logger.LogWarning("EXECUTE DIRECT lost its connection to {Node} at {Host}:{Port}: {Error}",
                target.NodeName, target.NodeHost, target.NodePort, e.Message);
            throw new SimulatedPgException("XX000", $"Failed to read response from Datanode {target.NodeName}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var dataSource in _dataSources.Values) await dataSource.DisposeAsync().ConfigureAwait(false);
        _dataSources.Clear();
    }

    async Task<NpgsqlConnection> OpenAsync(PgxcNodeRow target, List<SimulatedNotice> notices, CancellationToken ct)
    {
        // Default type loading: real PostgreSQL types ("char", inet, pg_lsn) must be readable; another
        // simulator answers Npgsql's type-loading query too.
        var dataSource = _dataSources.GetOrAdd((target.NodeHost, target.NodePort), _ => NpgsqlDataSource.Create(ConnectionString(target)));
        var connection = dataSource.CreateConnection();
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            return connection;
        }
        catch (Exception e)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            if (e is not (NpgsqlException or IOException or SocketException or TimeoutException) || ct.IsCancellationRequested) throw;
            logger.LogInformation("EXECUTE DIRECT cannot reach {Node} at {Host}:{Port}: {Error}",
                target.NodeName, target.NodeHost, target.NodePort, e.Message);
            notices.Add(FileDescriptorsWarning());
            throw PooledConnectionsFailed();
        }
    }

    static uint OidOf(Type type, string dataTypeName) => type switch
    {
        _ when type == typeof(bool) => PgTypes.Bool,
        _ when type == typeof(short) => PgTypes.Int2,
        _ when type == typeof(int) => PgTypes.Int4,
        _ when type == typeof(long) => PgTypes.Int8,
        _ when type == typeof(uint) => PgTypes.Oid,
        _ when type == typeof(double) => PgTypes.Float8,
        _ when type == typeof(float) => PgTypes.Float4,
        _ when type == typeof(char) => PgTypes.Char,
        _ when dataTypeName == "name" => PgTypes.Name,
        _ => PgTypes.Text,
    };

    static object Normalize(object value, uint oid) => oid == PgTypes.Text && value is not string
        ? value switch
        {
            DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture),
            DateTimeOffset d => d.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFzzz", CultureInfo.InvariantCulture),
            _ => PgTypes.ToText(value),
        }
        : value;
}
