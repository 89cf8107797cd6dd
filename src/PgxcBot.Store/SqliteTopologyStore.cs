using System.Globalization;
using System.Text.Json;
using PgxcBot.Core.Operations;

namespace PgxcBot.Store;

/// <summary>Which server of each pair is master now, when a promote changed it.</summary>
public sealed class SqliteTopologyStore(SqliteStore store) : ITopologyStore
{
    public Task<IReadOnlyList<StoredRoles>> GetRolesAsync(CancellationToken cancellationToken) =>
        store.ReadAsync("the stored roles", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT document FROM pair_roles ORDER BY datanode;";
            var result = new List<StoredRoles>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                result.Add(JsonSerializer.Deserialize(reader.GetString(0), RunbookJson.Info<StoredRoles>())!);
            return (IReadOnlyList<StoredRoles>)result;
        }, cancellationToken);

    public Task SaveRolesAsync(StoredRoles roles, CancellationToken cancellationToken) =>
        store.WriteAsync($"the new roles of {roles.Datanode}", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO pair_roles (datanode, at, document) VALUES ($datanode, $at, $document)
                ON CONFLICT (datanode) DO UPDATE SET at = excluded.at, document = excluded.document;
                """;
            command.Parameters.AddWithValue("$datanode", roles.Datanode);
            command.Parameters.AddWithValue("$at", roles.At.ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$document", JsonSerializer.Serialize(roles, RunbookJson.Info<StoredRoles>()));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
}
