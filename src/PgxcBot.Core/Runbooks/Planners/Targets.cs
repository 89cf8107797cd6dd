using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Runbooks.Planners;

/// <summary>SQL targets and labels for the servers of the topology.</summary>
internal static class Targets
{
    public static SqlTarget Master(DatanodePair pair) => new($"{pair.Name} master", pair.Master.Address, pair.Master.Port);

    public static SqlTarget Slave(DatanodePair pair) =>
        new($"{pair.Name} slave", pair.Slave!.Address, pair.Slave.Port);

    public static SqlTarget Of(Coordinator coordinator) => new(coordinator.Name, coordinator.Address, coordinator.Port);

    public static string Where(ServerLocation server, string role) => $"{server.HostName} ({role} {server.Address}:{server.Port})";

    public static PgCtl PgCtl(ClusterTopology topology, ServerLocation server) =>
        new(topology.Flavor, topology.FindHost(server.HostName)?.PgBinDir);
}
