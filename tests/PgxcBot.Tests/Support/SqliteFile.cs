using Microsoft.Data.Sqlite;

namespace PgxcBot.Tests.Support;

/// <summary>A store's SQLite file opened beside the store, to read or plant what it keeps (no pooling: the file is
/// closed when the connection is disposed).</summary>
internal static class SqliteFile
{
    public static async Task<SqliteConnection> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
