using System.Globalization;
using Npgsql;
using PgxcBot.Core.Runbooks;
using PgxcBot.Core.Topology;

namespace PgxcBot.Postgres;

/// <summary>
/// Runs the runbooks' statements: one statement per call, autocommit, under the same hard deadlines as
/// the observer (connect timeout, then the step's command timeout). Values come back as text the way
/// psql prints them (booleans t/f), which is what probes compare.
/// <para>One session per server stays open once a statement has run there (see <see cref="RunbookSessions"/>): an
/// idle one was closed after <see cref="PgDataSourceCache.IdleLifetime"/>, so every async switch more than a minute
/// after the previous operation started a backend on a master whose commits were waiting.</para>
/// </summary>
public sealed class NpgsqlSqlExecutor : ISqlExecutor, IAsyncDisposable, IDisposable
{
    private readonly ClusterTopology _topology;
    private readonly ISecretResolver _secrets;
    private readonly PgDataSourceCache _sources;
    private readonly BoundedQuery _bounded;

    public NpgsqlSqlExecutor(ClusterTopology topology, ISecretResolver secrets, TimeProvider time) : this(topology, secrets, time, null)
    {
    }

    /// <param name="idleLifetime">How long a second idle session per server stays pooled (tests shorten it); the first
    /// stays open.</param>
    internal NpgsqlSqlExecutor(ClusterTopology topology, ISecretResolver secrets, TimeProvider time, TimeSpan? idleLifetime)
    {
        _topology = topology;
        _secrets = secrets;
        _sources = new PgDataSourceCache(keepOneOpen: true, idleLifetime: idleLifetime, time: time);
        _bounded = new BoundedQuery(time);
    }

    public async Task<SqlResult> ExecuteAsync(SqlTarget target, string sql, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero) timeout = TimeSpan.FromMilliseconds(100);
        try
        {
            var password = _secrets.Resolve(_topology.Database.Password);
            // Coordinators and datanodes alike skip type loading: the runbooks read built-in types only. One pool per
            // server whatever the statement's timeout (the timeout goes on the command): a pool per timeout opened a
            // session per step kind, so the first async switch after a start paid two session starts on the master
            // (about 20 ms each on the lab host), and every server held one idle session of the bot per timeout.
            var source = _sources.Get(PgServerKind.Coordinator, target.Address, target.Port, _topology.Database.User,
                target.Database ?? _topology.Database.Database, password, _topology.Monitor.ConnectTimeout, _topology.Monitor.CommandTimeout);
            return await _bounded.RunAsync(source, (connection, ct) => RunAsync(connection, sql, timeout, ct),
                _topology.Monitor.ConnectTimeout, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            var hint = string.IsNullOrEmpty(e.Hint) ? "" : $" (hint: {e.Hint})";
            throw new SqlExecutionException(target, e.SqlState, e.MessageText + hint, e);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var (_, error) = ProbeErrorClassifier.Classify(e);
            throw new SqlExecutionException(target, null, error, e);
        }
    }

    private static async Task<SqlResult> RunAsync(NpgsqlConnection connection, string sql, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Text results for every column, exactly as the server prints them (psql's view): no binary
        // decoding that a coordinator relaying a datanode's rows could get wrong (Postgres-XC does).
        // Npgsql's own timeout is the backstop behind our deadline: the statement's, in whole seconds (the pool's
        // default is the monitor's command timeout, shorter than a promote's wait).
        await using var command = new NpgsqlCommand(sql, connection)
        {
            AllResultTypesAreUnknown = true,
            CommandTimeout = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds)),
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        var rows = new List<IReadOnlyList<string?>>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var row = new string?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : AsText(reader.GetValue(i));
            rows.Add(row);
        }
        return new SqlResult(columns, rows);
    }

    /// <summary>The value as psql would print it.</summary>
    internal static string AsText(object value) => value switch
    {
        bool b => b ? "t" : "f",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public ValueTask DisposeAsync() => _sources.DisposeAsync();

    public void Dispose() => _sources.Dispose();
}
