namespace PgxcBot.Core.Runbooks;

/// <summary>A server the bot talks SQL to: a coordinator, or one server of a datanode pair.</summary>
public sealed record SqlTarget(string Name, string Address, int Port)
{
    /// <summary>The database to connect to; null: the configured one (database.database). COMMIT PREPARED must
    /// run in the database the transaction was prepared in.</summary>
    public string? Database { get; init; }

    public override string ToString() => $"{Name} ({Address}:{Port}{(Database is null ? "" : "/" + Database)})";
}

/// <summary>Rows as text, as psql shows them (booleans t/f, numbers invariant); null for SQL NULL.</summary>
public sealed record SqlResult(IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string?>> Rows)
{
    /// <summary>The first row's values joined with '|' (the usual way a probe compares an answer).</summary>
    public string? FirstRow => Rows.Count == 0 ? null : string.Join('|', Rows[0].Select(v => v ?? "NULL"));
}

/// <summary>
/// Runs one statement on one server in autocommit, with a timeout. Every statement is its own
/// transaction, which ALTER NODE followed by pgxc_pool_reload() requires.
/// </summary>
public interface ISqlExecutor
{
    Task<SqlResult> ExecuteAsync(SqlTarget target, string sql, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>A statement failed or the server could not be reached. The message holds the SQLSTATE when there is one.</summary>
public sealed class SqlExecutionException(SqlTarget target, string? sqlState, string message, Exception? inner = null)
    : Exception($"{target}: {(sqlState is null ? "" : sqlState + ": ")}{message}", inner)
{
    public SqlTarget Target { get; } = target;
    public string? SqlState { get; } = sqlState;
    /// <summary>True when the server was not reached at all (refused, timed out), as opposed to an SQL error.</summary>
    public bool Unreachable => SqlState is null;
}
