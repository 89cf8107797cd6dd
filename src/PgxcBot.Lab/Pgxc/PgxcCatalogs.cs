using Npgsql;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;
using PgxcBot.Lab.Pairs;

namespace PgxcBot.Lab.Pgxc;

/// <summary>
/// Fills the pgxc_node catalogs of a fresh lab cluster, as pgxc_ctl does: on every coordinator its own row
/// (ALTER NODE), the other coordinators and every datanode master (CREATE NODE, datanode1 PRIMARY), then
/// pgxc_pool_reload(). On Postgres-XL every datanode also has its own catalog, which moves rows between
/// datanodes: filled through a coordinator with EXECUTE DIRECT, its own row retyped as a datanode (initdb
/// registers it as a coordinator, and cross-datanode queries would then silently return nothing).
/// Postgres-XC datanodes do not route to each other and refuse those statements (0A000). Every statement
/// runs alone in autocommit: XL refuses pgxc_pool_reload() in a transaction that wrote the catalog (25001).
/// </summary>
internal static class PgxcCatalogs
{
    public static async Task ConfigureAsync(Flavor flavor, IReadOnlyList<LabCoordinator> coordinators, IReadOnlyList<LabPair> pairs,
        CancellationToken cancellationToken)
    {
        await Task.WhenAll(coordinators.Select(c => RunAsync(c, CoordinatorCatalog(c, coordinators, pairs), cancellationToken))).ConfigureAwait(false);
        if (flavor != Flavor.PostgresXl || coordinators.Count == 0) return;
        // One session per datanode through the first coordinator: EXECUTE DIRECT needs the coordinator's pool.
        await Task.WhenAll(pairs.Select(p => RunAsync(coordinators[0], DatanodeCatalog(p, coordinators, pairs), cancellationToken))).ConfigureAwait(false);
    }

    private static IEnumerable<string> CoordinatorCatalog(LabCoordinator self, IReadOnlyList<LabCoordinator> coordinators, IReadOnlyList<LabPair> pairs)
    {
        yield return NodeSql.AlterNode(self.NodeName, self.Host, self.Port);
        foreach (var other in coordinators.Where(c => c != self))
            yield return CreateNode(other.NodeName, "coordinator", other.Host, other.Port, primary: false);
        for (var i = 0; i < pairs.Count; i++)
            yield return CreateNode(pairs[i].Name, "datanode", pairs[i].Master.Address, pairs[i].Master.Port, primary: i == 0);
        yield return NodeSql.PoolReload;
    }

    private static IEnumerable<string> DatanodeCatalog(LabPair self, IReadOnlyList<LabCoordinator> coordinators, IReadOnlyList<LabPair> pairs)
    {
        foreach (var coordinator in coordinators)
            yield return NodeSql.ExecuteDirect(self.Name, CreateNode(coordinator.NodeName, "coordinator", coordinator.Host, coordinator.Port, primary: false));
        for (var i = 0; i < pairs.Count; i++)
        {
            var pair = pairs[i];
            yield return NodeSql.ExecuteDirect(self.Name, pair == self
                ? NodeSql.AlterNode(pair.Name, pair.Master.Address, pair.Master.Port, asDatanode: true)
                : CreateNode(pair.Name, "datanode", pair.Master.Address, pair.Master.Port, primary: i == 0));
        }
        yield return NodeSql.ExecuteDirect(self.Name, NodeSql.PoolReload);
    }

    private static string CreateNode(string name, string type, string host, int port, bool primary) =>
        $"CREATE NODE {SqlText.Identifier(name)} WITH (TYPE = {SqlText.Literal(type)}, HOST = {SqlText.HostLiteral(host)}, PORT = {SqlText.Port(port)}" +
        (primary ? ", PRIMARY)" : ")");

    private static async Task RunAsync(LabCoordinator coordinator, IEnumerable<string> statements, CancellationToken cancellationToken)
    {
        await using var connection = await coordinator.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var statement in statements)
        {
            await using var command = new NpgsqlCommand(statement, connection);
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e)
            {
                throw new LabCommandException($"Setting up pgxc_node through {coordinator.NodeName} failed at `{statement}`: {e.SqlState} {e.MessageText}");
            }
        }
    }
}
