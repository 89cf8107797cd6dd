using System.Net;
using System.Net.Sockets;
using Npgsql;
using PgxcBot.Lab.Coordinator;
using static PgxcBot.Tests.Lab.SimulatorKit;

namespace PgxcBot.Tests.Lab;

/// <summary>EXECUTE DIRECT: relay to the node's current host:port (a second simulator stands in for a
/// datanode) and emulation of the datanode's own pgxc_node catalog.</summary>
public sealed class ExecuteDirectTests
{
    static async Task<(CoordinatorSimulator Coordinator, CoordinatorSimulator Datanode)> StartPairAsync(int? datanode2Port = null)
    {
        var datanode = await StartAsync(new CoordinatorSimulatorOptions
        {
            NodeName = "datanode1",
            VersionString = "PostgreSQL 10.9 on x86_64-pc-linux-gnu (datanode stand-in)",
            AuthMethod = SimulatorAuthMethod.Md5,
            User = "dnuser",
            Password = "dnpass",
        });
        var coordinator = await StartAsync(new CoordinatorSimulatorOptions
        {
            Nodes =
            [
                SimulatedNode.Datanode("datanode1", "127.0.0.1", datanode.Port, primary: true),
                SimulatedNode.Datanode("datanode2", "127.0.0.1", datanode2Port ?? datanode.Port),
            ],
            DatanodeUser = "dnuser",
            DatanodePassword = "dnpass",
        });
        return (coordinator, datanode);
    }

    static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Theory]
    [InlineData(ClientMode.Default)]
    [InlineData(ClientMode.NoTypeLoading)]
    public async Task Relays_to_the_node_and_names_it(ClientMode mode)
    {
        var (coordinator, datanode) = await StartPairAsync();
        await using var _ = coordinator;
        await using var __ = datanode;
        await using var conn = await OpenAsync(coordinator, mode);

        var rows = await RowsAsync(conn,
            "EXECUTE DIRECT ON (datanode1) 'SELECT pgxc_node_str(), inet_server_port(), pg_is_in_recovery()'");

        Assert.Equal([["datanode1", datanode.Port, false]], rows);
        Assert.Equal("PostgreSQL 10.9 on x86_64-pc-linux-gnu (datanode stand-in)",
            await ScalarAsync(conn, "execute direct on (datanode1) 'SELECT version()'"));
        Assert.Equal(1, await ScalarAsync(conn, "EXECUTE DIRECT ON (datanode1) 'SELECT 1'"));
        Assert.Contains(datanode.ExecutedStatements, s => s.Contains("'datanode1'::text", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rewrites_pgxc_node_str_only_outside_literals_and_keeps_aliases()
    {
        var (coordinator, datanode) = await StartPairAsync();
        await using var _ = coordinator;
        await using var __ = datanode;
        await using var conn = await OpenAsync(coordinator);

        await using var reader = await new NpgsqlCommand(
            "EXECUTE DIRECT ON (datanode2) 'SELECT pgxc_node_str() AS who, ''pgxc_node_str()'' AS literal'", conn).ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("who", "datanode2", "pgxc_node_str()"), (reader.GetName(0), reader.GetString(0), reader.GetString(1)));
    }

    [Fact]
    public async Task Follows_the_node_after_alter_node()
    {
        var (coordinator, datanode) = await StartPairAsync();
        await using var _ = coordinator;
        await using var __ = datanode;
        await using var other = await StartAsync(new CoordinatorSimulatorOptions
        {
            NodeName = "datanode2", AuthMethod = SimulatorAuthMethod.Md5, User = "dnuser", Password = "dnpass",
        });
        await using var conn = await OpenAsync(coordinator);

        await ExecuteAsync(conn, $"ALTER NODE datanode1 WITH (HOST = '127.0.0.1', PORT = {other.Port})");

        // Nothing checks who answers: the relay reaches datanode2's server, which is why the bot verifies identity.
        Assert.Equal(other.Port, await ScalarAsync(conn, "EXECUTE DIRECT ON (datanode1) 'SELECT inet_server_port()'"));
    }

    [Fact]
    public async Task Unreachable_node_fails_with_53000_and_the_pooler_hint()
    {
        var (coordinator, datanode) = await StartPairAsync(datanode2Port: ClosedPort());
        await using var _ = coordinator;
        await using var __ = datanode;
        await using var conn = await OpenAsync(coordinator);
        var notices = new List<PostgresNotice>();
        conn.Notice += (_, e) => notices.Add(e.Notice);

        var e = await ErrorAsync(conn, "EXECUTE DIRECT ON (datanode2) 'SELECT 1'");

        Assert.Equal(("53000", "Failed to get pooled connections"), (e.SqlState, e.MessageText));
        Assert.Contains("unreachable", e.Hint);
        Assert.Contains(notices, n => n.SqlState == "01000" && n.MessageText == "failed to receive file descriptors for connections");
        // Npgsql treats class 53 as a critical failure and closes the connection: callers must reopen.
        Assert.Equal(System.Data.ConnectionState.Closed, conn.State);
    }

    [Fact]
    public async Task Unknown_node_is_not_defined()
    {
        var (coordinator, datanode) = await StartPairAsync();
        await using var _ = coordinator;
        await using var __ = datanode;
        await using var conn = await OpenAsync(coordinator);

        var e = await ErrorAsync(conn, "EXECUTE DIRECT ON (datanode9) 'SELECT 1'");

        Assert.Equal(("42704", "PGXC Node datanode9: object not defined"), (e.SqlState, e.MessageText));
    }

    [Fact]
    public async Task Alter_node_on_a_datanode_changes_only_that_datanodes_catalog()
    {
        var (coordinator, datanode) = await StartPairAsync();
        await using var _ = coordinator;
        await using var __ = datanode;
        await using var conn = await OpenAsync(coordinator);
        // As after XL's initdb, the datanode's own row says coordinator.
        Assert.Equal('C', coordinator.NodeCatalog("datanode2").Single(r => r.NodeName == "datanode2").NodeType);
        Assert.Equal("C", await ScalarAsync(conn,
            "EXECUTE DIRECT ON (datanode2) 'SELECT node_type::text FROM pgxc_node WHERE node_name = ''datanode2'''"));

        await ExecuteAsync(conn,
            "EXECUTE DIRECT ON (datanode2) 'ALTER NODE datanode1 WITH (HOST=''h'', PORT=1, TYPE=''datanode'')'");

        var onDatanode2 = coordinator.NodeCatalog("datanode2").Single(r => r.NodeName == "datanode1");
        Assert.Equal(("h", 1, 'D'), (onDatanode2.NodeHost, onDatanode2.NodePort, onDatanode2.NodeType));
        Assert.Equal(datanode.Port, coordinator.CoordinatorCatalog.Single(r => r.NodeName == "datanode1").NodePort);
        Assert.Equal(datanode.Port, coordinator.NodeCatalog("datanode1").Single(r => r.NodeName == "datanode1").NodePort);
        Assert.Equal(1, await ScalarAsync(conn,
            "EXECUTE DIRECT ON (datanode2) 'SELECT node_port FROM pgxc_node WHERE node_name = ''datanode1'''"));

        Assert.Equal(false, await ScalarAsync(conn, "EXECUTE DIRECT ON (datanode2) 'SELECT pgxc_pool_check()'"));
        Assert.Equal(true, await ScalarAsync(conn, "EXECUTE DIRECT ON (datanode2) 'SELECT pgxc_pool_reload()'"));
        Assert.Equal(true, await ScalarAsync(conn, "EXECUTE DIRECT ON (datanode2) 'SELECT pgxc_pool_check()'"));
        Assert.Equal(1, coordinator.NodePoolReloadCount("datanode2"));
        Assert.Equal(0, coordinator.PoolReloadCount);
        Assert.True(coordinator.PoolMatchesCatalog);
    }

    [Fact]
    public async Task Datanode_alter_and_reload_in_one_transaction_fail_with_25001()
    {
        var (coordinator, datanode) = await StartPairAsync();
        await using var _ = coordinator;
        await using var __ = datanode;
        await using var conn = await OpenAsync(coordinator);

        await using (var tx = await conn.BeginTransactionAsync())
        {
            await ExecuteAsync(conn, "EXECUTE DIRECT ON (datanode2) 'ALTER NODE datanode1 WITH (PORT = 7)'");
            var e = await ErrorAsync(conn, "EXECUTE DIRECT ON (datanode2) 'SELECT pgxc_pool_reload()'");
            Assert.Equal("25001", e.SqlState);
        }

        Assert.Equal(datanode.Port, coordinator.NodeCatalog("datanode2").Single(r => r.NodeName == "datanode1").NodePort);
    }

    [Fact]
    public async Task Emulated_statements_still_need_the_node_to_be_up()
    {
        var (coordinator, datanode) = await StartPairAsync();
        await using var _ = coordinator;
        await using var __ = datanode;
        await using var conn = await OpenAsync(coordinator);
        datanode.Down = true;

        var e = await ErrorAsync(conn, "EXECUTE DIRECT ON (datanode2) 'ALTER NODE datanode1 WITH (PORT = 7)'");

        Assert.Equal("53000", e.SqlState);
        Assert.Equal(datanode.Port, coordinator.NodeCatalog("datanode2").Single(r => r.NodeName == "datanode1").NodePort);
    }
}
