using PgxcBot.Core.Remote;
using PgxcBot.Core.Servers;

namespace PgxcBot.Tests.Servers;

public class ServerCommandTextTests
{
    private static readonly ServerLocation Slave = new("node02", "node02", 20010, "/home/postgresxc/pgxc/datanode1_slave");

    [Theory]
    [InlineData(Flavor.PostgresXc, "pg_ctl promote -w -t 60 -Z datanode -D /home/postgresxc/pgxc/datanode1_slave")]
    [InlineData(Flavor.PostgresXl, "pg_ctl promote -w -t 60 -Z datanode -D /home/postgresxc/pgxc/datanode1_slave")]
    [InlineData(Flavor.PostgreSql, "pg_ctl promote -w -t 60 -D /home/postgresxc/pgxc/datanode1_slave")]
    public void Promote_uses_the_datanode_mode_only_on_xc_and_xl(Flavor flavor, string expected) =>
        Assert.Equal(expected, new PgCtl(flavor).Promote(Slave).Text);

    [Fact]
    public void Stop_names_its_mode_and_the_bin_dir() =>
        Assert.Equal("/usr/lib/postgresql/15/bin/pg_ctl stop -w -t 60 -m immediate -D /home/postgresxc/pgxc/datanode1_slave",
            new PgCtl(Flavor.PostgreSql, "/usr/lib/postgresql/15/bin/").Stop(Slave, StopMode.Immediate).Text);

    [Fact]
    public void Start_and_reload_on_xl_carry_the_datanode_mode()
    {
        var pgCtl = new PgCtl(Flavor.PostgresXl);
        Assert.Equal("pg_ctl start -w -t 60 -l /tmp/dn.log -Z datanode -D /home/postgresxc/pgxc/datanode1_slave", pgCtl.Start(Slave, "/tmp/dn.log").Text);
        Assert.Equal("pg_ctl reload -Z datanode -D /home/postgresxc/pgxc/datanode1_slave", pgCtl.Reload(Slave).Text);
    }

    [Fact]
    public void A_data_directory_with_shell_characters_stays_one_argument()
    {
        var odd = Slave with { DataDir = "/data/it's here; rm -rf /" };
        Assert.Equal("pg_ctl reload -D '/data/it'\\''s here; rm -rf /'", new PgCtl(Flavor.PostgreSql).Reload(odd).Text);
    }

    [Theory]
    [InlineData("plain-word_1.2/x", "plain-word_1.2/x")]
    [InlineData("", "''")]
    [InlineData("two words", "'two words'")]
    [InlineData("$(reboot)", "'$(reboot)'")]
    [InlineData("a'b", "'a'\\''b'")]
    [InlineData("line\nbreak", "'line\nbreak'")]
    public void Quote_keeps_every_value_one_literal_argument(string value, string expected) =>
        Assert.Equal(expected, ShellCommand.Quote(value));

    [Fact]
    public void Alter_node_quotes_the_name_and_host_and_adds_the_type_for_datanode_catalogs()
    {
        Assert.Equal("ALTER NODE \"datanode1\" WITH (HOST = 'node02', PORT = 20010)", NodeSql.AlterNode("datanode1", "node02", 20010));
        Assert.Equal("ALTER NODE \"datanode1\" WITH (HOST = 'node02', PORT = 20010, TYPE = 'datanode')",
            NodeSql.AlterNode("datanode1", "node02", 20010, asDatanode: true));
    }

    [Fact]
    public void Execute_direct_doubles_the_quotes_of_the_inner_statement() =>
        Assert.Equal("EXECUTE DIRECT ON (\"datanode2\") 'ALTER NODE \"datanode1\" WITH (HOST = ''10.0.0.2'', PORT = 20010, TYPE = ''datanode'')'",
            NodeSql.ExecuteDirect("datanode2", NodeSql.AlterNode("datanode1", "10.0.0.2", 20010, asDatanode: true)));

    [Theory]
    [InlineData("Datanode1")]
    [InlineData("1datanode")]
    [InlineData("data node")]
    [InlineData("dn\"; DROP TABLE x; --")]
    [InlineData("")]
    public void Node_names_that_are_not_plain_identifiers_are_refused(string name) =>
        Assert.Throws<ArgumentException>(() => NodeSql.AlterNode(name, "node02", 20010));

    [Theory]
    [InlineData("node02'; DROP NODE x; --")]
    [InlineData("host name")]
    [InlineData("-leading.dash")]
    public void Hosts_that_are_not_addresses_are_refused(string host) =>
        Assert.Throws<ArgumentException>(() => NodeSql.AlterNode("datanode1", host, 20010));

    [Theory]
    [InlineData(0)]
    [InlineData(70000)]
    public void Ports_outside_tcp_range_are_refused(int port) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => NodeSql.AlterNode("datanode1", "node02", port));

    [Fact]
    public void Ipv6_hosts_are_accepted() =>
        Assert.Contains("HOST = '::1'", NodeSql.AlterNode("datanode1", "::1", 5432));
}
