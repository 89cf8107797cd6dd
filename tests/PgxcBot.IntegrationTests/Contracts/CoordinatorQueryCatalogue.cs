using System.Globalization;
using PgxcBot.Core.Runbooks;
using PgxcBot.Core.Servers;

namespace PgxcBot.IntegrationTests.Contracts;

/// <summary>
/// One statement family the bot sends to coordinators, built by the production builders, with what the bot
/// relies on in the answer. <see cref="Builders"/> names the production members it exercises (the coverage
/// test holds the catalogue to every member of <see cref="NodeSql"/> and the coordinator probe).
/// </summary>
public sealed record CoordinatorQuery(string Id, IReadOnlyList<string> Builders, Func<ContractTarget, CancellationToken, Task> CheckAsync)
{
    public override string ToString() => Id;
}

/// <summary>
/// The catalogue of every query the bot sends to a coordinator (NodeSql, and the observer's pgxc_node read),
/// each with the assertions that must hold on the coordinator simulator, a real Postgres-XC coordinator and a
/// real Postgres-XL coordinator alike. Flavor branches only where real XC and XL differ and the bot knows it
/// (briefs/postgres-xc.md); the simulator is held to XL's answers. Checks that change a catalog put it back.
/// </summary>
public static class CoordinatorQueryCatalogue
{
    /// <summary>A host spelling that reaches the same server: repointing to it changes the catalog and
    /// the pooler, not where rows go.</summary>
    private const string OtherHost = "localhost";

    public static IReadOnlyList<CoordinatorQuery> All { get; } =
    [
        new("observer-reads-pgxc_node", ["ProbeSql.PgxcNodes"], ObserverReadsCatalogAsync),
        new("read-nodes", [nameof(NodeSql) + "." + nameof(NodeSql.ReadNodes)], ReadNodesAsync),
        new("execute-direct-read-datanode-catalog", [nameof(NodeSql) + "." + nameof(NodeSql.ReadNodes), nameof(NodeSql) + "." + nameof(NodeSql.ExecuteDirect)],
            DatanodeCatalogAsync),
        new("read-node", [nameof(NodeSql) + "." + nameof(NodeSql.ReadNode)], ReadNodeAsync),
        new("pool-check", [nameof(NodeSql) + "." + nameof(NodeSql.PoolCheck)], PoolCheckAsync),
        new("pool-reload", [nameof(NodeSql) + "." + nameof(NodeSql.PoolReload)], PoolReloadAsync),
        new("execute-direct-identity", [nameof(NodeSql) + "." + nameof(NodeSql.VerifyIdentity), nameof(NodeSql) + "." + nameof(NodeSql.ExecuteDirect),
            nameof(NodeSql) + "." + nameof(NodeSql.IdentityOfMaster)], IdentityAsync),
        new("execute-direct-txid", [nameof(NodeSql) + "." + nameof(NodeSql.ObtainsTransactionId)], TransactionIdAsync),
        new("repoint-coordinator", [nameof(NodeSql) + "." + nameof(NodeSql.AlterNode)], RepointCoordinatorAsync),
        new("repoint-datanode-catalog", [nameof(NodeSql) + "." + nameof(NodeSql.AlterNode), nameof(NodeSql) + "." + nameof(NodeSql.ExecuteDirect)],
            RepointDatanodeCatalogAsync),
        new("execute-direct-to-a-dead-node", [nameof(NodeSql) + "." + nameof(NodeSql.VerifyIdentity)], DeadNodeAsync),
        new("alter-and-reload-in-one-transaction", [nameof(NodeSql) + "." + nameof(NodeSql.AlterNode)], AlterAndReloadTogetherAsync),
    ];

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>pgxc_node as the lab built it, by node name: every coordinator (C) and every datanode at its
    /// master (D), as text rows <c>name|type|host|port</c>.</summary>
    private static IEnumerable<string> CatalogRows(ContractTarget t) =>
        t.Cluster.AllCoordinators.Select(c => $"{c.NodeName}|C|{c.Host}|{Text(c.Port)}")
            .Concat(t.Cluster.Pairs.Select(p => $"{p.Name}|D|{p.Master.Address}|{Text(p.Master.Port)}"))
            .Order(StringComparer.Ordinal);

    private static IEnumerable<string> Rows(SqlResult result) => result.Rows.Select(r => string.Join('|', r.Select(v => v ?? "NULL")));

    /// <summary>The status probe (binary results, no type loading) lists every datanode at its master, and
    /// the coordinator itself, and reports the server version the flavor detection reads.</summary>
    private static async Task ObserverReadsCatalogAsync(ContractTarget t, CancellationToken ct)
    {
        var snapshot = await t.ObserveAsync(ct);
        Assert.Equal(t.Cluster.AllCoordinators.Select(c => c.NodeName), snapshot.Coordinators.Select(c => c.Coordinator));
        foreach (var probe in snapshot.Coordinators)
        {
            Assert.True(probe.Answered, $"{probe.Coordinator}: {probe.Status} {probe.Error}");
            Assert.Equal(CatalogRows(t), probe.Nodes.Select(n => $"{n.NodeName}|{n.NodeType}|{n.NodeHost}|{Text(n.NodePort)}"));
            Assert.Contains(t.Behaves == Flavor.PostgresXc ? "9.3." : "Postgres-XL 10r1", probe.ServerVersion, StringComparison.Ordinal);
        }
    }

    private static async Task ReadNodesAsync(ContractTarget t, CancellationToken ct)
    {
        for (var i = 0; i < t.Cluster.AllCoordinators.Count; i++)
        {
            var result = await t.RunAsync(t.Coordinator(i), NodeSql.ReadNodes, ct);
            Assert.Equal(["node_name", "node_type", "node_host", "node_port"], result.Columns);
            Assert.Equal(CatalogRows(t), Rows(result));
        }
    }

    /// <summary>
    /// A datanode's own catalog, read through a coordinator: on Postgres-XL the same rows as the coordinators'
    /// (each datanode's own row typed D, as pgxc_ctl leaves it), which the datanode-catalog repoint relies on.
    /// Postgres-XC datanodes do not route: the bot never reads nor writes their catalogs, so only the shape counts.
    /// </summary>
    private static async Task DatanodeCatalogAsync(ContractTarget t, CancellationToken ct)
    {
        foreach (var pair in t.Cluster.Pairs)
        {
            var result = await t.RunAsync(t.Coordinator(0), NodeSql.ExecuteDirect(pair.Name, NodeSql.ReadNodes), ct);
            Assert.Equal(["node_name", "node_type", "node_host", "node_port"], result.Columns);
            if (t.Behaves != Flavor.PostgresXc) Assert.Equal(CatalogRows(t), Rows(result));
        }
    }

    private static async Task ReadNodeAsync(ContractTarget t, CancellationToken ct)
    {
        foreach (var pair in t.Cluster.Pairs)
        {
            var result = await t.RunAsync(t.Coordinator(0), NodeSql.ReadNode(pair.Name), ct);
            Assert.Equal(["node_host", "node_port"], result.Columns);
            Assert.Equal([$"{pair.Master.Address}|{Text(pair.Master.Port)}"], Rows(result));
        }
        Assert.Empty((await t.RunAsync(t.Coordinator(0), NodeSql.ReadNode("no_such_node"), ct)).Rows);
    }

    /// <summary>True while catalog and pooler agree; the bot relies on it on XL only (XC's turns false after
    /// any coordinator-to-coordinator connection).</summary>
    private static async Task PoolCheckAsync(ContractTarget t, CancellationToken ct)
    {
        var result = await t.RunAsync(t.Coordinator(0), NodeSql.PoolCheck, ct);
        Assert.Equal(["pgxc_pool_check"], result.Columns);
        var value = Assert.Single(Rows(result));
        if (t.Behaves == Flavor.PostgresXc) Assert.Contains(value, new[] { "t", "f" });
        else Assert.Equal("t", value);
    }

    private static async Task PoolReloadAsync(ContractTarget t, CancellationToken ct)
    {
        var result = await t.RunAsync(t.Coordinator(0), NodeSql.PoolReload, ct);
        Assert.Equal(["pgxc_pool_reload"], result.Columns);
        Assert.Equal(["t"], Rows(result));
    }

    /// <summary>EXECUTE DIRECT answers <c>name|port|false</c> from each master, through every coordinator.</summary>
    private static async Task IdentityAsync(ContractTarget t, CancellationToken ct)
    {
        for (var i = 0; i < t.Cluster.AllCoordinators.Count; i++)
            foreach (var pair in t.Cluster.Pairs)
            {
                var result = await t.RunAsync(t.Coordinator(i), NodeSql.VerifyIdentity(pair.Name), ct);
                Assert.Equal(["pgxc_node_str", "inet_server_port", "pg_is_in_recovery"], result.Columns);
                Assert.Equal(NodeSql.IdentityOfMaster(pair.Name, pair.Master.Port), Assert.Single(Rows(result)));
            }
    }

    private static async Task TransactionIdAsync(ContractTarget t, CancellationToken ct)
    {
        foreach (var pair in t.Cluster.Pairs)
        {
            var result = await t.RunAsync(t.Coordinator(0), NodeSql.ObtainsTransactionId(pair.Name), ct);
            Assert.Equal(["text"], result.Columns);
            Assert.Equal(["true"], Rows(result));
        }
    }

    /// <summary>The repoint step: ALTER NODE then pgxc_pool_reload() as separate statements on one
    /// coordinator; its catalog and pooler follow, the identity check answers through the new host, the other
    /// coordinator is untouched. Put back the same way.</summary>
    private static async Task RepointCoordinatorAsync(ContractTarget t, CancellationToken ct)
    {
        var (coordinator, other) = (t.Coordinator(1), t.Coordinator(0));
        var pair = t.Cluster.Pairs[^1];
        var port = pair.Master.Port;
        try
        {
            await AlterAndReloadAsync(t, coordinator, NodeSql.AlterNode(pair.Name, OtherHost, port), NodeSql.PoolReload, ct);
            Assert.Equal([$"{OtherHost}|{Text(port)}"], Rows(await t.RunAsync(coordinator, NodeSql.ReadNode(pair.Name), ct)));
            if (t.Behaves != Flavor.PostgresXc)
                Assert.Equal(["t"], Rows(await t.RunAsync(coordinator, NodeSql.PoolCheck, ct)));
            Assert.Equal(NodeSql.IdentityOfMaster(pair.Name, port),
                Assert.Single(Rows(await t.RunAsync(coordinator, NodeSql.VerifyIdentity(pair.Name), ct))));
            Assert.Equal([$"{pair.Master.Address}|{Text(port)}"], Rows(await t.RunAsync(other, NodeSql.ReadNode(pair.Name), ct)));
        }
        finally
        {
            await AlterAndReloadAsync(t, coordinator, NodeSql.AlterNode(pair.Name, pair.Master.Address, port), NodeSql.PoolReload, ct);
        }
        Assert.Equal([$"{pair.Master.Address}|{Text(port)}"], Rows(await t.RunAsync(coordinator, NodeSql.ReadNode(pair.Name), ct)));
    }

    /// <summary>
    /// The XL-only step: through a coordinator, a datanode's own catalog is repointed with EXECUTE DIRECT (ALTER
    /// NODE ... TYPE = 'datanode', then the reload) and reads back. Postgres-XC refuses the ALTER through
    /// EXECUTE DIRECT with 0A000, which is why the bot sends no datanode-catalog step there.
    /// </summary>
    private static async Task RepointDatanodeCatalogAsync(ContractTarget t, CancellationToken ct)
    {
        var via = t.Coordinator(0);
        var (owner, pair) = (t.Cluster.Pairs[0], t.Cluster.Pairs[^1]);
        var port = pair.Master.Port;
        string Alter(string host) => NodeSql.ExecuteDirect(owner.Name, NodeSql.AlterNode(pair.Name, host, port, asDatanode: true));
        if (t.Behaves == Flavor.PostgresXc)
        {
            var refused = await t.RefusedAsync(via, Alter(OtherHost), ct);
            Assert.Equal("0A000", refused.SqlState);
            return;
        }
        var read = NodeSql.ExecuteDirect(owner.Name, NodeSql.ReadNode(pair.Name));
        try
        {
            await AlterAndReloadAsync(t, via, Alter(OtherHost), NodeSql.ExecuteDirect(owner.Name, NodeSql.PoolReload), ct);
            var result = await t.RunAsync(via, read, ct);
            Assert.Equal(["node_host", "node_port"], result.Columns);
            Assert.Equal([$"{OtherHost}|{Text(port)}"], Rows(result));
            // The coordinator's own catalog is another catalog: untouched.
            Assert.Equal([$"{pair.Master.Address}|{Text(port)}"], Rows(await t.RunAsync(via, NodeSql.ReadNode(pair.Name), ct)));
        }
        finally
        {
            await AlterAndReloadAsync(t, via, Alter(pair.Master.Address), NodeSql.ExecuteDirect(owner.Name, NodeSql.PoolReload), ct);
        }
        Assert.Equal([$"{pair.Master.Address}|{Text(port)}"], Rows(await t.RunAsync(via, read, ct)));
    }

    /// <summary>A repoint step's two statements, each in its own transaction: the ALTER answers no rows, the reload 't'.</summary>
    private static async Task AlterAndReloadAsync(ContractTarget t, SqlTarget via, string alter, string reload, CancellationToken ct)
    {
        var altered = await t.RunAsync(via, alter, ct);
        Assert.Empty(altered.Columns);
        Assert.Empty(altered.Rows);
        Assert.Equal(["t"], Rows(await t.RunAsync(via, reload, ct)));
    }

    /// <summary>
    /// A catalog entry pointing at a port where nothing listens (what a repoint to a dead master leaves): the
    /// reload still succeeds and pgxc_pool_check stays true (it cannot see a dead node), and the identity check
    /// fails with an SQL error from the coordinator (53000, Postgres-XL's "Failed to get pooled connections"),
    /// not as an unreachable coordinator. Once repointed back, the same coordinator routes again.
    /// </summary>
    private static async Task DeadNodeAsync(ContractTarget t, CancellationToken ct)
    {
        var coordinator = t.Coordinator(1);
        var pair = t.Cluster.Pairs[^1];
        var port = pair.Master.Port;
        try
        {
            await AlterAndReloadAsync(t, coordinator, NodeSql.AlterNode(pair.Name, pair.Master.Address, FreePorts.Pick()), NodeSql.PoolReload, ct);
            if (t.Behaves != Flavor.PostgresXc)
                Assert.Equal(["t"], Rows(await t.RunAsync(coordinator, NodeSql.PoolCheck, ct)));
            var refused = await t.RefusedAsync(coordinator, NodeSql.VerifyIdentity(pair.Name), ct);
            Assert.True(refused.SqlState == "53000", refused.Message);
        }
        finally
        {
            await AlterAndReloadAsync(t, coordinator, NodeSql.AlterNode(pair.Name, pair.Master.Address, port), NodeSql.PoolReload, ct);
        }
        Assert.Equal(NodeSql.IdentityOfMaster(pair.Name, port), Assert.Single(Rows(await t.RunAsync(coordinator, NodeSql.VerifyIdentity(pair.Name), ct))));
    }

    /// <summary>
    /// Why NodeSql keeps ALTER NODE and the reload apart: sent as one string (one implicit transaction),
    /// Postgres-XL refuses the reload with 25001 and the ALTER rolls back; Postgres-XC runs both.
    /// </summary>
    private static async Task AlterAndReloadTogetherAsync(ContractTarget t, CancellationToken ct)
    {
        var coordinator = t.Coordinator(1);
        var pair = t.Cluster.Pairs[0];
        var port = pair.Master.Port;
        var together = $"{NodeSql.AlterNode(pair.Name, OtherHost, port)}; {NodeSql.PoolReload}";
        if (t.Behaves == Flavor.PostgresXc)
        {
            try
            {
                await t.RunAsync(coordinator, together, ct);
                Assert.Equal([$"{OtherHost}|{Text(port)}"], Rows(await t.RunAsync(coordinator, NodeSql.ReadNode(pair.Name), ct)));
            }
            finally
            {
                await AlterAndReloadAsync(t, coordinator, NodeSql.AlterNode(pair.Name, pair.Master.Address, port), NodeSql.PoolReload, ct);
            }
            return;
        }
        var refused = await t.RefusedAsync(coordinator, together, ct);
        Assert.Equal("25001", refused.SqlState);
        Assert.Equal([$"{pair.Master.Address}|{Text(port)}"], Rows(await t.RunAsync(coordinator, NodeSql.ReadNode(pair.Name), ct)));
        Assert.Equal(["t"], Rows(await t.RunAsync(coordinator, NodeSql.PoolCheck, ct)));
    }
}
