using PgxcBot.Tests.Secrets;

namespace PgxcBot.Tests.Topology;

public class ExampleConfigTests
{
    [Theory]
    [InlineData("pgxcbot.example.json")]
    [InlineData("pgxcbot.postgres-xl.json")]
    [InlineData("pgxcbot.postgresql.json")]
    public void Shipped_examples_are_valid_without_warnings(string file)
    {
        var directory = TestConfigs.RepoConfigDirectory();
        var report = TestConfigs.Validate(File.ReadAllText(Path.Combine(directory, file)), directory);

        Assert.Empty(report.Errors);
        Assert.Empty(report.Warnings);
        Assert.NotNull(report.Topology);
    }

    [Fact]
    public void The_example_reproduces_the_runbook_layout()
    {
        var directory = TestConfigs.RepoConfigDirectory();
        var topology = TestConfigs.Validate(File.ReadAllText(Path.Combine(directory, "pgxcbot.example.json")), directory).Topology!;

        Assert.Equal(Flavor.PostgresXc, topology.Flavor);
        Assert.All(topology.Hosts, h => Assert.Equal("postgresxc", h.User));
        var dn1 = topology.FindDatanode("datanode1")!;
        Assert.Equal(new ServerLocation("node01", "node01", 20006, "/home/postgresxc/pgxc/datanode"), dn1.Master);
        Assert.Equal(new ServerLocation("node02", "node02", 20010, "/home/postgresxc/pgxc/datanode1_slave"), dn1.Slave);
        Assert.Equal("datanode1_slave", dn1.ApplicationName);
        Assert.Equal("/home/postgresxc/pgxc/datanode1_arclog", dn1.ArchiveDir);
        var dn2 = topology.FindDatanode("datanode2")!;
        Assert.Equal("node02:20008", dn2.Master.Endpoint);
        Assert.Equal("node01:20010", dn2.Slave!.Endpoint);
        Assert.Equal("datanode2_slave", dn2.ApplicationName);
        Assert.Equal(["node01:20004", "node02:20004"], topology.Coordinators.Select(c => c.Endpoint));
        Assert.Equal("PGXCBOT_DB_PASSWORD", topology.Database.Password!.Env);
        Assert.Equal("/var/lib/pgxcbot/pgxcbot.db", topology.StorePath); // the unit's StateDirectory, not /etc/pgxcbot
        Assert.Equal("127.0.0.1:9187", topology.Monitor.HttpListen!.ToString());
        Assert.Equal(new Uri("http://127.0.0.1:4317"), topology.Telemetry.OtlpEndpoint);
        Assert.Equal(OtlpTransport.Grpc, topology.Telemetry.Transport);
    }

    [Theory]
    [InlineData("pgxcbot.example.json")]
    [InlineData("pgxcbot.postgres-xl.json")]
    [InlineData("pgxcbot.postgresql.json")]
    public void Every_example_keeps_its_store_in_the_units_state_directory(string file)
    {
        var directory = TestConfigs.RepoConfigDirectory();
        var topology = TestConfigs.Validate(File.ReadAllText(Path.Combine(directory, file)), directory).Topology!;
        Assert.StartsWith("/var/lib/pgxcbot/", topology.StorePath);
    }
}
