using PgxcBot.Core.Runbooks.Planners;
using PgxcBot.Core.Servers;

namespace PgxcBot.Tests.Operations;

/// <summary>
/// Every statement a runbook sends to a coordinator is one that <see cref="NodeSql"/> builds, so it is in the
/// coordinator contract catalogue (tests/PgxcBot.IntegrationTests/Contracts), which runs each on the simulator and
/// on real Postgres-XC/XL. A statement written anywhere else fails here until it gets its contract.
/// </summary>
public class CoordinatorStatementTests
{
    [Theory]
    [InlineData(Flavor.PostgreSql)]
    [InlineData(Flavor.PostgresXc)]
    [InlineData(Flavor.PostgresXl)]
    public void A_promote_sends_coordinators_only_NodeSql_statements(Flavor flavor)
    {
        var configured = RunbookTopologies.TwoNodes(flavor);
        var topology = configured with { Gtm = new GtmSettings(new GtmServer("gtm", "node01", "node01", 20001), null, []) };
        var cluster = new FakeCluster(topology);
        cluster.Servers["node01:20006"].Running = false;
        var runbook = PromotePlanner.Plan(topology, cluster.Snapshot(topology), new PromoteRequest("datanode1", false),
            new SlaveSyncEvidence(true, 0, null, "proven in sync"), true).Runbook!;

        var pair = topology.FindDatanode("datanode1")!;
        var allowed = NodeSqlStatements(topology, pair.Name, pair.Slave!).ToHashSet(StringComparer.Ordinal);
        var coordinators = topology.Coordinators.Select(c => (c.Address, c.Port)).ToHashSet();
        var sent = runbook.Steps.SelectMany(Statements).Where(s => coordinators.Contains((s.Target.Address, s.Target.Port))).ToList();

        Assert.NotEmpty(sent);
        Assert.All(sent, s => Assert.True(allowed.Contains(s.Sql),
            $"{s.Target.Name} is sent `{s.Sql}`, which NodeSql does not build: build it there and add it to CoordinatorQueryCatalogue."));
    }

    /// <summary>What NodeSql builds for repointing <paramref name="datanode"/> at <paramref name="master"/>.</summary>
    private static IEnumerable<string> NodeSqlStatements(ClusterTopology topology, string datanode, ServerLocation master)
    {
        yield return NodeSql.PoolReload;
        yield return NodeSql.PoolCheck;
        yield return NodeSql.ReadNodes;
        yield return NodeSql.ReadNode(datanode);
        yield return NodeSql.VerifyIdentity(datanode);
        yield return NodeSql.ObtainsTransactionId(datanode);
        yield return NodeSql.AlterNode(datanode, master.Address, master.Port);
        foreach (var other in topology.Datanodes)
        {
            yield return NodeSql.ExecuteDirect(other.Name, NodeSql.AlterNode(datanode, master.Address, master.Port, asDatanode: true));
            yield return NodeSql.ExecuteDirect(other.Name, NodeSql.PoolReload);
            yield return NodeSql.ExecuteDirect(other.Name, NodeSql.ReadNode(datanode));
        }
    }

    private static IEnumerable<(SqlTarget Target, string Sql)> Statements(RunbookStep step)
    {
        if (step.Action is RunSql run)
            foreach (var sql in run.Statements) yield return (run.Target, sql);
        foreach (var probe in new[] { step.Verify, step.DoneWhen }.SelectMany(Probes))
            yield return (probe.Target, probe.Sql);
    }

    private static IEnumerable<SqlProbe> Probes(Probe? probe) => probe switch
    {
        SqlProbe sql => [sql],
        AllOf all => all.Parts.SelectMany(Probes),
        _ => [],
    };
}
