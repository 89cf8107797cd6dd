using System.Data.Common;

namespace PgxcBot.Store;

/// <summary>
/// One statement or query with named parameters on any ADO.NET connection, for the code both stores share. The SQL
/// names a parameter <c>@name</c> (SQLite and PostgreSQL both read that); a parameter is given by its bare name, and a
/// null value becomes SQL NULL.
/// </summary>
internal static class StoreSql
{
    /// <summary>Runs one statement; returns the rows it changed.</summary>
    public static async Task<int> Execute(DbConnection connection, DbTransaction? tx, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, tx, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs one statement and returns the first column of its first row (null when there is none).</summary>
    public static async Task<object?> Scalar(DbConnection connection, DbTransaction? tx, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, tx, sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DBNull ? null : value;
    }

    /// <summary>Runs one query and maps each row.</summary>
    public static async Task<IReadOnlyList<T>> Query<T>(DbConnection connection, DbTransaction? tx, string sql, Func<DbDataReader, T> map,
        CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, tx, sql, parameters);
        var result = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) result.Add(map(reader));
        return result;
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? tx, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }
}
