using System.Globalization;
using System.Text.Json.Nodes;

namespace PgxcBot.IntegrationTests.RealClusters;

/// <summary>What must hold on a freshly built real cluster of either flavor; the XC and XL test classes call these.</summary>
internal static class RealClusterChecks
{
    public static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);

    /// <summary>Rows of <paramref name="sql"/>, each as its columns joined by '|' (columns must be text).</summary>
    public static async Task<List<string>> RowsAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : reader.GetString(i))));
        return rows;
    }

    public static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The GTM listens; every coordinator's catalog (and on XL every datanode's) names every node at
    /// its real port; ports and pooler ports are distinct; the slave's folder is the master's plus _slave;
    /// the topology carries the flavor and the installation's bin.</summary>
    public static async Task BuiltAsync(LabCluster cluster, CancellationToken cancellationToken)
    {
        var gtm = cluster.Gtm ?? throw new InvalidOperationException("no GTM");
        Assert.True(gtm.IsRunning);
        Assert.True(File.Exists(gtm.GtmCtl));
        Assert.Equal(2, cluster.RealCoordinators.Count);
        Assert.Equal(cluster.RealCoordinators, cluster.AllCoordinators);
        Assert.Empty(cluster.Coordinators);

        var servers = cluster.Pairs.SelectMany(p => new[] { p.Master, p.Slave }).Concat(cluster.RealCoordinators.Select(c => c.Server)).ToArray();
        var ports = servers.Select(s => s.Port).Append(gtm.Port).ToArray();
        Assert.Equal(ports.Length, ports.Distinct().Count());
        var poolers = servers.Where(s => s.PoolerPort is not null).Select(s => s.PoolerPort!.Value).ToArray();
        Assert.Equal(poolers.Length, poolers.Distinct().Count());
        var datanodesHavePoolers = cluster.Flavor == Flavor.PostgresXl;
        Assert.All(cluster.Pairs, p => Assert.Equal(datanodesHavePoolers, p.Master.PoolerPort is not null && p.Slave.PoolerPort is not null));
        Assert.All(cluster.Pairs, p => Assert.Equal(p.Master.DataDir + "_slave", p.Slave.DataDir));

        var expected = cluster.RealCoordinators.Select(c => $"{c.NodeName}|C|127.0.0.1|{Text(c.Port)}")
            .Concat(cluster.Pairs.Select(p => $"{p.Name}|D|127.0.0.1|{Text(p.Master.Port)}")).Order(StringComparer.Ordinal).ToArray();
        foreach (var coordinator in cluster.RealCoordinators)
            Assert.Equal(expected, await RowsAsync(coordinator.ConnectionString(),
                "SELECT node_name::text, node_type::text, node_host::text, node_port::text FROM pgxc_node ORDER BY 1", cancellationToken));
        if (cluster.Flavor == Flavor.PostgresXl)
        {
            foreach (var pair in cluster.Pairs)
                Assert.Equal(expected, await RowsAsync(cluster.RealCoordinators[0].ConnectionString(),
                    $"EXECUTE DIRECT ON ({pair.Name}) 'SELECT node_name::text, node_type::text, node_host::text, node_port::text FROM pgxc_node ORDER BY 1'",
                    cancellationToken));
        }

        var topology = cluster.ToTopology(MonitorSettings.Default);
        Assert.Equal(cluster.Flavor, topology.Flavor);
        Assert.Equal(cluster.Installation!.BinDir, Assert.Single(topology.Hosts).PgBinDir);
        Assert.Equal(cluster.RealCoordinators.Select(c => c.Port), topology.Coordinators.Select(c => c.Port));

        var config = JsonNode.Parse(LabConfigFile.Render(cluster, "/unused/pgxcbot.db", new PgBinaries("/unused/bin")))!;
        Assert.Equal(cluster.Flavor == Flavor.PostgresXc ? "postgres-xc" : "postgres-xl", (string?)config["flavor"]);
        Assert.Equal(cluster.Installation.BinDir, (string?)config["hosts"]![0]!["pgBinDir"]);
        Assert.Equal(cluster.RealCoordinators.Select(c => $"{c.NodeName}:{Text(c.Port)}"),
            config["coordinators"]!.AsArray().Select(c => $"{(string?)c!["name"]}:{(int?)c["port"]}"));
    }

    /// <summary>Through every coordinator: a single-row insert, a multi-row insert, INSERT ... SELECT moving rows to
    /// other datanodes, and a join whose rows sit on different datanodes; both datanodes hold rows.</summary>
    public static async Task WritesAndJoinsAsync(LabCluster cluster, string table, CancellationToken cancellationToken)
    {
        var first = cluster.RealCoordinators[0].ConnectionString();
        await ExecuteAsync(first, $"CREATE TABLE {table}_items (id int PRIMARY KEY, v text) DISTRIBUTE BY HASH (id)", cancellationToken);
        // Tags are distributed by their own id, so a tag usually lives on another datanode than its item.
        await ExecuteAsync(first, $"CREATE TABLE {table}_tags (id int PRIMARY KEY, item int, tag text) DISTRIBUTE BY HASH (id)", cancellationToken);
        var total = 0;
        foreach (var (coordinator, index) in cluster.RealCoordinators.Select((c, i) => (c, i)))
        {
            var via = coordinator.ConnectionString();
            var from = (index + 1) * 1000;
            await ExecuteAsync(via, $"INSERT INTO {table}_items VALUES ({Text(from)}, 'single')", cancellationToken);
            var values = string.Join(", ", Enumerable.Range(from + 1, 19).Select(id => $"({Text(id)}, 'multi')"));
            await ExecuteAsync(via, $"INSERT INTO {table}_items VALUES {values}", cancellationToken);
            await ExecuteAsync(via, $"INSERT INTO {table}_tags (id, item, tag) SELECT id + 7919, id, v FROM {table}_items WHERE id BETWEEN {Text(from)} AND {Text(from + 19)}",
                cancellationToken);
            total += 20;

            Assert.Equal(["20|1|19"], await RowsAsync(via,
                $"SELECT count(*)::text, sum(CASE WHEN t.tag = 'single' THEN 1 ELSE 0 END)::text, sum(CASE WHEN i.v = 'multi' THEN 1 ELSE 0 END)::text " +
                $"FROM {table}_tags t JOIN {table}_items i ON i.id = t.item WHERE i.id BETWEEN {Text(from)} AND {Text(from + 19)}", cancellationToken));
            Assert.Equal([Text(total)], await RowsAsync(via, $"SELECT count(*)::text FROM {table}_items", cancellationToken));

            var perDatanode = new List<int>();
            foreach (var pair in cluster.Pairs)
                perDatanode.Add(int.Parse(Assert.Single(await RowsAsync(via,
                    $"EXECUTE DIRECT ON ({pair.Name}) 'SELECT count(*)::text FROM {table}_items'", cancellationToken)), CultureInfo.InvariantCulture));
            Assert.All(perDatanode, n => Assert.True(n > 0, $"a datanode holds no row of {table}_items: {string.Join(", ", perDatanode)}"));
            Assert.Equal(total, perDatanode.Sum());
        }
    }

    /// <summary>Each master's pg_stat_replication shows its slave streaming and synchronous.</summary>
    public static async Task StreamingInSyncAsync(LabCluster cluster, CancellationToken cancellationToken)
    {
        foreach (var pair in cluster.Pairs)
            Assert.Equal([$"{pair.ApplicationName}|streaming|sync"], await RowsAsync(pair.Master.ConnectionString,
                "SELECT application_name::text, state::text, sync_state::text FROM pg_stat_replication", cancellationToken));
    }

    /// <summary>Asks a slave whether it is in recovery.</summary>
    public static async Task<string> InRecoveryAsync(LabServer server, CancellationToken cancellationToken) =>
        Assert.Single(await RowsAsync(server.ConnectionString, "SELECT pg_is_in_recovery()::text", cancellationToken));

    /// <summary>A planned promote: the master stops first, then the slave is promoted and must be out of recovery.</summary>
    public static async Task StopMasterAndPromoteAsync(LabPair pair, CancellationToken cancellationToken)
    {
        await pair.Master.StopAsync(cancellationToken);
        await pair.PromoteSlaveAsync(cancellationToken);
        Assert.Equal("false", await InRecoveryAsync(pair.Slave, cancellationToken));
    }

    /// <summary>Freezes the GTM, then disposes the cluster: no process of it may be left, nor its folder.</summary>
    public static async Task TearsDownCleanWithFrozenGtmAsync(LabCluster cluster, CancellationToken cancellationToken)
    {
        await cluster.Gtm!.FreezeAsync(cancellationToken);
        var folder = cluster.Folder!;
        await cluster.DisposeAsync();
        Assert.Empty(cluster.ProcessesLeft());
        Assert.False(Directory.Exists(folder));
    }
}
