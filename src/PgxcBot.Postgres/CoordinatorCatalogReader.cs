using Npgsql;
using PgxcBot.Core.Observation;

namespace PgxcBot.Postgres;

/// <summary>Reads a coordinator's version and pgxc_node catalog on an open connection.</summary>
internal static class CoordinatorCatalogReader
{
    public static async Task<(string ServerVersion, IReadOnlyList<PgxcNodeRow> Nodes)> ReadAsync(
        NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ProbeSql.PgxcNodes, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var nodes = new List<PgxcNodeRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var type = reader.GetString(1);
            nodes.Add(new PgxcNodeRow(
                NodeName: reader.GetString(0),
                NodeType: type.Length > 0 ? type[0] : '?',
                NodeHost: reader.GetString(2),
                NodePort: reader.GetInt32(3)));
        }
        // The startup packet's server_version: the whole string, e.g. "10.9 (Postgres-XL 10r1.1)".
        return (connection.ServerVersion, nodes);
    }
}
