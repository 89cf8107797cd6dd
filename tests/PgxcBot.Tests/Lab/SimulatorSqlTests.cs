using Npgsql;
using PgxcBot.Lab.Coordinator;
using static PgxcBot.Tests.Lab.SimulatorKit;

namespace PgxcBot.Tests.Lab;

/// <summary>The SQL forms the simulator accepts, transaction states, batches and cancellation.</summary>
public sealed class SimulatorSqlTests
{
    [Fact]
    public async Task Select_forms_over_pgxc_node()
    {
        await using var sim = await StartAsync();
        await using var conn = await OpenAsync(sim);

        Assert.Equal([["datanode1"]], await RowsAsync(conn,
            "SELECT n.node_name FROM pg_catalog.pgxc_node n WHERE n.node_name IN ('datanode1', 'coord1') AND node_type::text <> 'C' ORDER BY 1 LIMIT 5"));
        Assert.Equal(2L, await ScalarAsync(conn, "SELECT count(*) FROM pgxc_node WHERE node_type = 'D'"));
        Assert.Equal([["datanode2", "127.0.0.1"]], await RowsAsync(conn,
            "SELECT node_name AS name, node_host AS \"Host\" FROM pgxc_node WHERE node_port > $1 AND nodeis_primary = false", 15432));
        Assert.Equal("x", await ScalarAsync(conn, "SELECT 'x'::text AS label"));

        await using var reader = await new NpgsqlCommand("SELECT node_name AS name, node_port FROM pgxc_node LIMIT 1", conn).ExecuteReaderAsync();
        Assert.Equal(("name", "node_port"), (reader.GetName(0), reader.GetName(1)));
    }

    [Fact]
    public async Task Batch_of_alter_and_reload_is_one_implicit_transaction()
    {
        await using var sim = await StartAsync();
        await using var conn = await OpenAsync(sim);
        await using var batch = new NpgsqlBatch(conn)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("ALTER NODE datanode1 WITH (PORT = 9)"),
                new NpgsqlBatchCommand("SELECT pgxc_pool_reload()"),
            },
        };

        var e = await Assert.ThrowsAsync<PostgresException>(() => batch.ExecuteNonQueryAsync());

        Assert.Equal("25001", e.SqlState);
        Assert.Equal(15432, sim.CoordinatorCatalog.Single(r => r.NodeName == "datanode1").NodePort);
    }

    [Fact]
    public async Task Commit_of_a_failed_transaction_rolls_back()
    {
        await using var sim = await StartAsync();
        await using var conn = await OpenAsync(sim);

        await ExecuteAsync(conn, "BEGIN");
        await ExecuteAsync(conn, "ALTER NODE datanode2 WITH (HOST = 'x')");
        await ErrorAsync(conn, "ALTER NODE datanode9 WITH (HOST = 'x')");
        await ExecuteAsync(conn, "COMMIT");

        Assert.Equal("127.0.0.1", sim.CoordinatorCatalog.Single(r => r.NodeName == "datanode2").NodeHost);
        Assert.Equal(1, await ScalarAsync(conn, "SELECT 1"));
    }

    [Fact]
    public async Task Cancel_interrupts_a_delayed_statement_with_57014()
    {
        await using var sim = await StartAsync();
        await using var conn = await OpenAsync(sim);
        sim.Delay = TimeSpan.FromSeconds(30);
        await using var command = new NpgsqlCommand("SELECT 1", conn);
        var running = command.ExecuteScalarAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Cancel() is a no-op until the command is in flight, so repeat it until the command ends.
        while (!running.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            command.Cancel();
            await Task.Delay(20);
        }
        // Npgsql wraps the server's 57014 in OperationCanceledException.
        var cancelled = await Assert.ThrowsAsync<OperationCanceledException>(() => running);
        var e = Assert.IsType<PostgresException>(cancelled.InnerException);

        Assert.Equal(("57014", "canceling statement due to user request"), (e.SqlState, e.MessageText));
        Assert.DoesNotContain("SELECT 1", sim.ExecutedStatements);
    }

    [Fact]
    public async Task Nodes_added_after_start_appear_everywhere()
    {
        await using var sim = await StartAsync();
        sim.AddNode(SimulatedNode.Datanode("datanode3", "127.0.0.1", 15434));
        await using var conn = await OpenAsync(sim);

        Assert.Equal(15434, await ScalarAsync(conn, "SELECT node_port FROM pgxc_node WHERE node_name = 'datanode3'"));
        Assert.True(sim.PoolMatchesCatalog);
        Assert.Equal('C', sim.NodeCatalog("datanode3").Single(r => r.NodeName == "datanode3").NodeType);
    }

    [Fact]
    public async Task Set_and_show()
    {
        await using var sim = await StartAsync();
        await using var conn = await OpenAsync(sim);

        await ExecuteAsync(conn, "SET statement_timeout = '5s'");

        Assert.Equal("5s", await ScalarAsync(conn, "SHOW statement_timeout"));
        Assert.Equal("100009", await ScalarAsync(conn, "SHOW server_version_num"));
        Assert.Equal("coord1", await ScalarAsync(conn, "SHOW pgxc_node_name"));
        Assert.Equal("42704", (await ErrorAsync(conn, "SHOW no_such_setting")).SqlState);
    }

    [Fact]
    public void Bad_options_name_the_field()
    {
        var e = Assert.Throws<ArgumentException>(() => new CoordinatorSimulator(new CoordinatorSimulatorOptions { AuthMethod = SimulatorAuthMethod.Md5 }));
        Assert.Contains("Password", e.Message);
        var dup = Assert.Throws<ArgumentException>(() => new CoordinatorSimulator(new CoordinatorSimulatorOptions
        {
            Nodes = [SimulatedNode.Datanode("d", "127.0.0.1", 1), SimulatedNode.Datanode("d", "127.0.0.1", 2)],
        }));
        Assert.Contains("\"d\" twice", dup.Message);
    }
}
