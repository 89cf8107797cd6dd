using Npgsql;
using PgxcBot.Lab.Coordinator;
using static PgxcBot.Tests.Lab.SimulatorKit;

namespace PgxcBot.Tests.Lab;

public sealed class CoordinatorSimulatorNpgsqlTests
{
    [Theory]
    [InlineData(ClientMode.Default)]
    [InlineData(ClientMode.NoTypeLoading)]
    public async Task Connects_and_reports_the_XL_version(ClientMode mode)
    {
        await using var sim = await StartAsync();
        await using var conn = await OpenAsync(sim, mode);

        Assert.Equal("10.9 (Postgres-XL 10r1.1)", conn.ServerVersion);
        Assert.Equal(1, await ScalarAsync(conn, "SELECT 1"));
        Assert.StartsWith("PostgreSQL 10.9 (Postgres-XL 10r1.1)", (string)(await ScalarAsync(conn, "select version();"))!);
        Assert.Equal(false, await ScalarAsync(conn, "SELECT pg_is_in_recovery()"));
        Assert.Equal("10.9 (Postgres-XL 10r1.1)", await ScalarAsync(conn, "SHOW server_version"));
        Assert.Equal("coord1", await ScalarAsync(conn, "SELECT pgxc_node_str()"));
    }

    [Fact]
    public async Task The_connection_string_NoTypeLoading_keyword_works()
    {
        await using var sim = await StartAsync();
        await using var conn = new NpgsqlConnection(sim.ConnectionString("Server Compatibility Mode=NoTypeLoading"));
        await conn.OpenAsync();
        Assert.Equal(1, await ScalarAsync(conn, "SELECT 1"));
    }

    [Theory]
    [InlineData(ClientMode.Default)]
    [InlineData(ClientMode.NoTypeLoading)]
    public async Task Reads_pgxc_node_with_a_parameter(ClientMode mode)
    {
        await using var sim = await StartAsync();
        await using var conn = await OpenAsync(sim, mode);

        var rows = await RowsAsync(conn,
            "SELECT node_name, node_type::text, node_host, node_port, nodeis_primary FROM pgxc_node WHERE node_name = $1", "datanode1");

        var row = Assert.Single(rows);
        Assert.Equal(["datanode1", "D", "127.0.0.1", 15432, true], row);
    }

    [Fact]
    public async Task Reads_node_type_as_a_char_and_filters_and_orders()
    {
        // "char" needs type loading (as with real XL): NoTypeLoading clients must cast to text.
        await using var sim = await StartAsync();
        await using var conn = await OpenAsync(sim, ClientMode.Default);

        var rows = await RowsAsync(conn, "select node_name, node_type from pgxc_node where node_type = 'D' order by node_name desc");

        Assert.Equal([["datanode2", 'D'], ["datanode1", 'D']], rows);
        var all = await RowsAsync(conn, "SELECT * FROM pgxc_node ORDER BY node_name");
        Assert.Equal(["coord1", "datanode1", "datanode2"], all.Select(r => r[0]));
        Assert.Equal(7, all[0].Length);
    }

    [Fact]
    public async Task Prepared_statements_work()
    {
        await using var sim = await StartAsync();
        await using var conn = await OpenAsync(sim);
        await using var command = new NpgsqlCommand("SELECT node_port FROM pgxc_node WHERE node_name = $1", conn);
        command.Parameters.Add(new NpgsqlParameter { Value = "datanode2" });
        await command.PrepareAsync();

        Assert.Equal(15433, await command.ExecuteScalarAsync());
        command.Parameters[0].Value = "datanode1";
        Assert.Equal(15432, await command.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("ALTER NODE datanode1 WITH (HOST = '127.0.0.9', PORT = 25432)")]
    [InlineData("alter node datanode1 with (port=25432, host='127.0.0.9');")]
    [InlineData("ALTER NODE datanode1 WITH (Port = 25432,\n  TYPE = 'datanode', Host = '127.0.0.9')")]
    public async Task Alter_node_then_reload_repoints_and_pool_check_follows(string alter)
    {
        await using var sim = await StartAsync();
        await using var conn = await OpenAsync(sim);
        Assert.Equal(true, await ScalarAsync(conn, "SELECT pgxc_pool_check()"));

        await ExecuteAsync(conn, alter);

        Assert.Equal(false, await ScalarAsync(conn, "SELECT pgxc_pool_check()"));
        Assert.Equal(true, await ScalarAsync(conn, "SELECT pgxc_pool_reload()"));
        Assert.Equal(true, await ScalarAsync(conn, "SELECT pgxc_pool_check()"));
        Assert.Equal(1, sim.PoolReloadCount);
        var row = sim.CoordinatorCatalog.Single(r => r.NodeName == "datanode1");
        Assert.Equal(("127.0.0.9", 25432, 'D'), (row.NodeHost, row.NodePort, row.NodeType));
    }

    [Fact]
    public async Task Alter_and_reload_in_one_transaction_fail_with_25001_and_roll_back()
    {
        await using var sim = await StartAsync();
        await using var conn = await OpenAsync(sim);

        await using (var tx = await conn.BeginTransactionAsync())
        {
            await ExecuteAsync(conn, "ALTER NODE datanode1 WITH (HOST='127.0.0.9', PORT=1)");
            var e = await ErrorAsync(conn, "SELECT pgxc_pool_reload()");
            Assert.Equal("25001", e.SqlState);
            Assert.Equal("pgxc_pool_reload cannot run with a transaction ID assigned", e.MessageText);
            var aborted = await ErrorAsync(conn, "SELECT 1");
            Assert.Equal("25P02", aborted.SqlState);
        }

        Assert.Equal(15432, sim.CoordinatorCatalog.Single(r => r.NodeName == "datanode1").NodePort);
        Assert.Equal(0, sim.PoolReloadCount);
        Assert.Equal(15432, await ScalarAsync(conn, "SELECT node_port FROM pgxc_node WHERE node_name = 'datanode1'"));
    }

    [Fact]
    public async Task Alter_and_reload_as_one_multi_statement_command_fail_and_roll_back()
    {
        await using var sim = await StartAsync();
        await using var conn = await OpenAsync(sim);

        var e = await ErrorAsync(conn, "ALTER NODE datanode1 WITH (PORT = 1); SELECT pgxc_pool_reload();");

        Assert.Equal("25001", e.SqlState);
        Assert.Equal(15432, sim.CoordinatorCatalog.Single(r => r.NodeName == "datanode1").NodePort);
        Assert.Equal(15432, await ScalarAsync(conn, "SELECT node_port FROM pgxc_node WHERE node_name = 'datanode1'"));
    }

    [Fact]
    public async Task Catalog_changes_are_transactional()
    {
        await using var sim = await StartAsync();
        await using var conn = await OpenAsync(sim);
        await using var other = await OpenAsync(sim);

        await using (var tx = await conn.BeginTransactionAsync())
        {
            await ExecuteAsync(conn, "ALTER NODE datanode2 WITH (PORT = 2)");
            Assert.Equal(2, await ScalarAsync(conn, "SELECT node_port FROM pgxc_node WHERE node_name = 'datanode2'"));
            Assert.Equal(15433, await ScalarAsync(other, "SELECT node_port FROM pgxc_node WHERE node_name = 'datanode2'"));
            await tx.RollbackAsync();
        }
        Assert.Equal(15433, await ScalarAsync(conn, "SELECT node_port FROM pgxc_node WHERE node_name = 'datanode2'"));

        await using (var tx = await conn.BeginTransactionAsync())
        {
            await ExecuteAsync(conn, "ALTER NODE datanode2 WITH (PORT = 3)");
            await tx.CommitAsync();
        }
        Assert.Equal(3, await ScalarAsync(other, "SELECT node_port FROM pgxc_node WHERE node_name = 'datanode2'"));
    }

    [Theory]
    [InlineData("ALTER NODE datanode9 WITH (PORT = 1)", "42704", "PGXC Node datanode9: object not defined")]
    [InlineData("DROP NODE datanode9", "42704", "PGXC Node datanode9: object not defined")]
    [InlineData("ALTER NODE datanode1 WITH (foo = 1)", "42601", "incorrect option: foo")]
    [InlineData("ALTER NODE datanode1 WITH (PORT = 70000)", "22023", "port value is out of range")]
    [InlineData("ALTER NODE datanode1 WITH (TYPE = 'gtm')", "22023", "type value is incorrect, specify 'coordinator or 'datanode'")]
    [InlineData("CREATE NODE datanode1 WITH (TYPE = 'datanode', HOST = 'h', PORT = 1)", "42710", "PGXC Node datanode1: object already defined")]
    [InlineData("ALTER NODE datanode2 WITH (PRIMARY)", "42601", "PGXC node datanode2: two nodes cannot be primary")]
    [InlineData("SELECT node_nom FROM pgxc_node", "42703", "column \"node_nom\" does not exist")]
    [InlineData("SELECT node_name AS node FROM pgxc_node", "42601", "syntax error at or near \"node\"")]
    [InlineData("SELEC 1", "0A000", "the statement SELEC is not supported by the Postgres-XC coordinator simulator")]
    [InlineData("SELECT * FROM pg_stat_replication", "0A000", "reading relation \"pg_stat_replication\" (only pgxc_node) is not supported by the Postgres-XC coordinator simulator")]
    public async Task Errors_carry_XC_SQLSTATE_and_wording(string sql, string sqlState, string message)
    {
        await using var sim = await StartAsync();
        await using var conn = await OpenAsync(sim);

        var e = await ErrorAsync(conn, sql);

        Assert.Equal((sqlState, message), (e.SqlState, e.MessageText));
        Assert.Equal(1, await ScalarAsync(conn, "SELECT 1")); // the session is still usable
    }

    [Fact]
    public async Task Create_and_drop_node()
    {
        await using var sim = await StartAsync();
        await using var conn = await OpenAsync(sim);

        await ExecuteAsync(conn, "CREATE NODE datanode3 WITH (TYPE = 'datanode', HOST = 'localhost', PORT = 15434, PREFERRED)");
        var row = sim.CoordinatorCatalog.Single(r => r.NodeName == "datanode3");
        Assert.Equal(('D', 15434, true, false), (row.NodeType, row.NodePort, row.NodeIsPreferred, row.NodeIsPrimary));

        await ExecuteAsync(conn, "DROP NODE datanode3");
        Assert.DoesNotContain(sim.CoordinatorCatalog, r => r.NodeName == "datanode3");
        Assert.Equal("42601", (await ErrorAsync(conn, "DROP NODE coord1")).SqlState);
    }

    [Theory]
    [InlineData(SimulatorAuthMethod.Md5)]
    [InlineData(SimulatorAuthMethod.Cleartext)]
    public async Task Password_authentication(SimulatorAuthMethod method)
    {
        await using var sim = await StartAsync(new CoordinatorSimulatorOptions
        {
            Nodes = TwoDatanodes(), AuthMethod = method, User = "pgxc", Password = "s3cret",
        });

        await using (var good = await OpenAsync(sim))
            Assert.Equal(1, await ScalarAsync(good, "SELECT 1"));

        var e = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(sim, extra: "Password=wrong"));
        Assert.Equal(("28P01", "password authentication failed for user \"pgxc\""), (e.SqlState, e.MessageText));
    }

    [Fact]
    public async Task Delay_makes_a_command_time_out_on_the_client()
    {
        await using var sim = await StartAsync();
        await using var conn = await OpenAsync(sim, extra: "Command Timeout=1;Cancellation Timeout=2000");
        sim.Delay = TimeSpan.FromSeconds(30);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var e = await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync(conn, "SELECT 1"));

        Assert.True(e.InnerException is TimeoutException || e is PostgresException { SqlState: "57014" }, e.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), "the client gave up before the delay ended");
        sim.Delay = TimeSpan.Zero;
        await using var again = await OpenAsync(sim);
        Assert.Equal(1, await ScalarAsync(again, "SELECT 1"));
    }

    [Fact]
    public async Task Down_refuses_connections_and_cuts_sessions_until_up_again()
    {
        await using var sim = await StartAsync();
        await using var before = await OpenAsync(sim);

        sim.Down = true;

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => OpenAsync(sim));
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync(before, "SELECT 1"));
        sim.Down = false;
        await using var after = await OpenAsync(sim);
        Assert.Equal(1, await ScalarAsync(after, "SELECT 1"));
    }

    [Fact]
    public async Task FailAlterNode_fails_the_next_alter_only()
    {
        await using var sim = await StartAsync();
        await using var conn = await OpenAsync(sim);
        sim.FailAlterNode(new SimulatedError("XX000", "could not lock pgxc_node"));

        var e = await ErrorAsync(conn, "ALTER NODE datanode1 WITH (PORT = 2)");
        Assert.Equal(("XX000", "could not lock pgxc_node"), (e.SqlState, e.MessageText));
        Assert.Equal(15432, sim.CoordinatorCatalog.Single(r => r.NodeName == "datanode1").NodePort);

        // Npgsql drops a connection after an XX000 error, as it would with a real server.
        await using var again = await OpenAsync(sim);
        await ExecuteAsync(again, "ALTER NODE datanode1 WITH (PORT = 2)");
        Assert.Equal(2, sim.CoordinatorCatalog.Single(r => r.NodeName == "datanode1").NodePort);
    }

    [Fact]
    public async Task Many_concurrent_sessions()
    {
        await using var sim = await StartAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            await using var conn = await OpenAsync(sim, i % 2 == 0 ? ClientMode.Default : ClientMode.NoTypeLoading);
            return await ScalarAsync(conn, "SELECT node_port FROM pgxc_node WHERE node_name = $1", "datanode2");
        }));
        Assert.All(results, r => Assert.Equal(15433, r));
    }
}
