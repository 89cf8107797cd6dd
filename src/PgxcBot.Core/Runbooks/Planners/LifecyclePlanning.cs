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

    /// <summary>The slave's own WAL sender on the master (by address and name, <see cref="Assessment.SlaveWalSender"/>), when identified.</summary>
    public static ReplicationRow? SlaveRow(DatanodePair pair, PairObservation? observed) =>
        Assessment.SlaveWalSender.Find(pair, observed?.Master.Facts) is { Identified: true, Row: { } row } ? row : null;

    /// <summary>
    /// Postgres-XL: a server the runbook builds from a copy needs its own pooler_port, from the config
    /// (every XL server runs a pooler; a base backup or pg_rewind copies the master's port, and the new
    /// server then fails to start: "lock file .s.PGPOOL.&lt;port&gt;.lock already exists"). Null when fine.
    /// </summary>
    public static PlanResult? RequirePoolerPort(ClusterTopology topology, DatanodePair pair, ServerLocation server, string role)
    {
        if (topology.Flavor != Flavor.PostgresXl || server.PoolerPort is not null) return null;
        return PlanResult.Refused(
            $"the configuration gives {pair.Name}'s {role} at {server.Endpoint} no poolerPort. Every Postgres-XL server runs its own pooler, and a copied data directory carries the master's pooler_port, so the new server could not start.",
            $"add \"poolerPort\": <a free port> to {pair.Name}'s {role} in the config file (e.g. {server.Port + 1000}), restart the bot, then try again");
    }

    /// <summary>
    /// The checks every runbook that builds a slave from a copy of the live master (add-slave, rebuild) makes
    /// first, in this order: the datanode is configured, it has a slave, its master is running and writable,
    /// and on Postgres-XL the slave has its own pooler port. Null when all pass, with <paramref name="target"/>
    /// set; else the refusal of the first that fails (and <paramref name="target"/> is not to be used).
    /// </summary>
    /// <param name="role">How the slave is named in the pooler-port refusal (e.g. "slave").</param>
    public static PlanResult? RequireSlaveToBuild(ClusterTopology topology, ClusterSnapshot snapshot, string datanode, string role, out SlaveToBuild target)
    {
        target = null!;
        if (topology.FindDatanode(datanode) is not { } pair) return Unknown(topology, datanode);
        if (pair.Slave is not { } slave) return NoSlaveConfigured(pair);
        var observed = Observed(snapshot, pair.Name);
        if (RequireWritableMaster(pair, observed) is { } refused) return refused;
        if (RequirePoolerPort(topology, pair, slave, role) is { } noPooler) return noPooler;
        target = new SlaveToBuild(pair, slave, observed);
        return null;
    }

    public static bool SlaveStreams(DatanodePair pair, PairObservation? observed) => SlaveRow(pair, observed)?.State == "streaming";

    /// <summary>
    /// Null when the slave runs as a standby, else why not. A standby that answers SQL says so itself; a
    /// stock Postgres-XL standby refuses every connection ("Was unable to obtain a snapshot from GTM"), so
    /// there its host's process list and pg_controldata ("in archive recovery") are the evidence.
    /// </summary>
    public static string? RunningStandby(ServerProbe? slave)
    {
        if (slave is null) return "was not probed";
        if (slave.Answered) return slave.Facts!.InRecovery ? null : "accepts writes (it is not a standby)";
        var answer = $"does not answer SQL ({slave.Status}{(slave.Error is null ? "" : ": " + slave.Error)})";
        if (slave.Status != ProbeStatus.NotQueryable) return answer;
        return slave.Process switch
        {
            null => null, // running (it refused us rather than the connection) and nothing says otherwise
            { PostmasterRunning: false } => $"{answer} and no server runs in its data directory",
            { Control: { InRecovery: false } control } => $"{answer} and pg_controldata says '{control.State}', not a standby",
            _ => null,
        };
    }

    /// <summary>The server version the steps are written for: the answering server's, else the flavor's base.</summary>
    public static int VersionNum(ClusterTopology topology, PairObservation? observed) =>
        observed?.Master.Facts?.ServerVersionNum ?? observed?.Slave?.Facts?.ServerVersionNum ?? topology.Flavor switch
        {
            Flavor.PostgresXc => 90200,
            Flavor.PostgresXl => 100000,
            _ => 120000,
        };
}

/// <summary>A pair whose slave a runbook is about to build: the pair, its configured slave and what was observed of both.</summary>
internal sealed record SlaveToBuild(DatanodePair Pair, ServerLocation Slave, PairObservation? Observed);
