namespace PgxcBot.Tests.Operations;

/// <summary>The runbook's layout: datanode1 master node01:20006 / slave node02:20010, datanode2 mirrored, coord1/coord2;
/// each server with its own (Postgres-XL) pooler port.</summary>
internal static class RunbookTopologies
{
    public static ClusterTopology TwoNodes(Flavor flavor = Flavor.PostgreSql) => new(
        flavor,
        [Host("node01"), Host("node02")],
        [
            new DatanodePair("datanode1",
                new ServerLocation("node01", "node01", 20006, "/home/postgresxc/pgxc/datanode") { PoolerPort = 21006 },
                new ServerLocation("node02", "node02", 20010, "/home/postgresxc/pgxc/datanode1_slave") { PoolerPort = 21010 },
                "datanode1_slave", null),
            new DatanodePair("datanode2",
                new ServerLocation("node02", "node02", 20008, "/home/postgresxc/pgxc/datanode") { PoolerPort = 21008 },
                new ServerLocation("node01", "node01", 20010, "/home/postgresxc/pgxc/datanode2_slave") { PoolerPort = 21011 },
                "datanode2_slave", null),
        ],
        [new Coordinator("coord1", "node01", "node01", 20004), new Coordinator("coord2", "node02", "node02", 20004)],
        new DatabaseCredentials("postgresxc", "postgres", null),
        MonitorSettings.Default,
        "pgxcbot.db");

    private static Host Host(string name) =>
        new(name, name, TransportKind.Ssh, 22, "postgresxc", "SHA256:" + new string('A', 43), "/etc/pgxcbot/id_ed25519", null);
}
