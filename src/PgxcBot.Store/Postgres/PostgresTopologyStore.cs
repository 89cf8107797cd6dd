using System.Text.Json;
using PgxcBot.Core.Operations;

namespace PgxcBot.Store.Postgres;

/// <summary>Which server of each pair is master now, when a promote changed it (PostgreSQL store, migration 2).</summary>
public sealed class PostgresTopologyStore(PostgresStore store) : ITopologyStore
{
    /// <inheritdoc />
    public Task<IReadOnlyList<StoredRoles>> GetRolesAsync(CancellationToken cancellationToken) =>
        store.ReadAsync("the stored roles", c => PostgresStore.Query(c, null, "SELECT document FROM pair_roles ORDER BY datanode;",
            r => JsonSerializer.Deserialize(r.GetString(0), RunbookJson.Info<StoredRoles>())!, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task SaveRolesAsync(StoredRoles roles, CancellationToken cancellationToken) =>
        store.WriteAsync($"the new roles of {roles.Datanode}", (c, tx) => PostgresStore.Execute(c, tx, """
            INSERT INTO pair_roles (datanode, at, document) VALUES (@d, @at, @doc)
            ON CONFLICT (datanode) DO UPDATE SET at = excluded.at, document = excluded.document;
            """, cancellationToken, ("d", roles.Datanode), ("at", StoreText.Time(roles.At)), ("doc", JsonSerializer.Serialize(roles, RunbookJson.Info<StoredRoles>()))), cancellationToken);
}
