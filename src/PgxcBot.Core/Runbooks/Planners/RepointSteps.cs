using PgxcBot.Core.Observation;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Runbooks.Planners;

/// <summary>
/// Points every coordinator, and on Postgres-XL every datanode's own pgxc_node catalog, at a datanode's
/// master. Each target is its own step that may fail without stopping the others, is retried, and is
/// verified: the catalog row reads back, the pooler agrees (pgxc_pool_check, except on Postgres-XC where
/// it also turns false after any coordinator-to-coordinator connection and says nothing reliable), and the
/// server that answers behind the new host:port is the right node, on that port, writable.
/// Postgres-XC datanodes do not route to each other and refuse the catalog change through EXECUTE DIRECT
/// (0A000, measured), so XC gets coordinator steps only (briefs/postgres-xc.md).
/// </summary>
internal static class RepointSteps
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(15);

    public static IReadOnlyList<RunbookStep> For(ClusterTopology topology, ClusterSnapshot snapshot, string datanode, ServerLocation master,
        Func<Coordinator, bool>? onlyCoordinators = null)
    {
        var steps = new List<RunbookStep>();
        var alter = NodeSql.AlterNode(datanode, master.Address, master.Port);
        foreach (var coordinator in topology.Coordinators.Where(c => onlyCoordinators?.Invoke(c) ?? true))
        {
            var target = Targets.Of(coordinator);
            var checks = new List<Probe> { CatalogRow(target, datanode, master, direct: null) };
            if (topology.Flavor != Flavor.PostgresXc)
                checks.Add(new SqlProbe($"{coordinator.Name}'s pooler matches its catalog", target, NodeSql.PoolCheck, "t"));
            checks.Add(new SqlProbe($"{datanode} answers through {coordinator.Name} as itself on port {master.Port}, writable", target,
                NodeSql.VerifyIdentity(datanode), NodeSql.IdentityOfMaster(datanode, master.Port)));
            var verified = new AllOf($"{coordinator.Name} routes {datanode} to {master.Address}:{master.Port}, and {datanode} answers there, writable", checks);
            steps.Add(new RunbookStep($"repoint-{coordinator.Name}", $"Repoint {coordinator.Name} at the new master",
                $"{coordinator.Name} ({coordinator.Address}:{coordinator.Port})",
                new RunSql(target, [alter, NodeSql.PoolReload]), verified, DoneWhen: verified,
                StepTimeout, Rerunnable: true, OnFailure.Continue, Attempts: 3,
                Undo: $"ALTER NODE back to the old host:port on {coordinator.Name}, then SELECT pgxc_pool_reload()"));
        }

        // Datanodes route to each other for queries that move rows (Postgres-XL): each keeps its own
        // pgxc_node, reached through a coordinator with EXECUTE DIRECT. Use one that answered just now.
        if (!HasDatanodeCatalogs(topology.Flavor)) return steps;
        var via = topology.Coordinators.FirstOrDefault(c => snapshot.Coordinators.Any(p => p.Coordinator == c.Name && p.Answered))
                  ?? topology.Coordinators.FirstOrDefault();
        if (via is null) return steps;
        var viaTarget = Targets.Of(via);
        var alterOnDatanode = NodeSql.AlterNode(datanode, master.Address, master.Port, asDatanode: true);
        foreach (var other in topology.Datanodes)
        {
            var verified = CatalogRow(viaTarget, datanode, master, direct: other.Name);
            steps.Add(new RunbookStep($"repoint-catalog-{other.Name}", $"Repoint {datanode} in {other.Name}'s own catalog",
                $"{other.Name} (through {via.Name})",
                new RunSql(viaTarget, [NodeSql.ExecuteDirect(other.Name, alterOnDatanode), NodeSql.ExecuteDirect(other.Name, NodeSql.PoolReload)]),
                verified, DoneWhen: verified, StepTimeout, Rerunnable: true, OnFailure.Continue, Attempts: 3,
                Undo: $"the same ALTER NODE through EXECUTE DIRECT ON ({other.Name}) with the old host:port"));
        }
        return steps;
    }

    /// <summary>Whether datanodes route to each other through their own pgxc_node (Postgres-XL, and the
    /// simulated XL coordinators of a plain PostgreSQL lab), so their catalogs must be repointed too.</summary>
    public static bool HasDatanodeCatalogs(Flavor flavor) => flavor != Flavor.PostgresXc;

    /// <summary>The catalog row for <paramref name="datanode"/> reads back as the master's address and port.</summary>
    public static SqlProbe CatalogRow(SqlTarget target, string datanode, ServerLocation master, string? direct)
    {
        var read = NodeSql.ReadNode(datanode);
        return new SqlProbe(
            $"{(direct ?? target.Name)}'s catalog has {datanode} at {master.Address}:{master.Port}",
            target, direct is null ? read : NodeSql.ExecuteDirect(direct, read), $"{master.Address}|{master.Port}");
    }
}
