using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Runbooks.Planners;

/// <summary>Lookups and refusals the lifecycle planners share.</summary>
internal static class LifecyclePlanning
{
    public static PlanResult Unknown(ClusterTopology topology, string datanode) =>
        PlanResult.Refused($"there is no datanode '{datanode}'; configured: {string.Join(", ", topology.Datanodes.Select(d => d.Name))}.", "/pgxc status");

    public static PlanResult NoSlaveConfigured(DatanodePair pair) =>
        PlanResult.Refused($"{pair.Name} has no slave in the configuration (host, port, data directory).",
            $"add a slave: section to {pair.Name} in the config file, restart the bot, then /pgxc add-slave {pair.Name}");

    public static PairObservation? Observed(ClusterSnapshot snapshot, string datanode) =>
        snapshot.Pairs.FirstOrDefault(p => p.Datanode == datanode);

    /// <summary>The master answers and takes writes; otherwise the refusal.</summary>
    public static PlanResult? RequireWritableMaster(DatanodePair pair, PairObservation? observed)
    {
        if (observed?.Master is { Answered: true, Facts.InRecovery: false }) return null;
        var probe = observed?.Master;
        var why = probe is null ? "not probed" : probe.Answered ? "in recovery" : probe.Status + (probe.Error is null ? "" : ": " + probe.Error);
        return PlanResult.Refused($"the master of {pair.Name} at {pair.Master.Endpoint} is not a running, writable master ({why}).", "/pgxc status");
    }

    public static ReplicationRow? SlaveRow(DatanodePair pair, PairObservation? observed) =>
        observed?.Master.Facts?.Replication.FirstOrDefault(r => r.ApplicationName == pair.ApplicationName);

    public static bool SlaveStreams(DatanodePair pair, PairObservation? observed) => SlaveRow(pair, observed)?.State == "streaming";

    /// <summary>The server version the steps are written for: the answering server's, else the flavor's base.</summary>
    public static int VersionNum(ClusterTopology topology, PairObservation? observed) =>
        observed?.Master.Facts?.ServerVersionNum ?? observed?.Slave?.Facts?.ServerVersionNum ?? topology.Flavor switch
        {
            Flavor.PostgresXc => 90200,
            Flavor.PostgresXl => 100000,
            _ => 120000,
        };
}
