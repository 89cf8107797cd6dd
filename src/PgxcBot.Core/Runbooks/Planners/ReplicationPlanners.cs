using PgxcBot.Core.Assessment;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;
using PgxcBot.Core.Operations;

namespace PgxcBot.Core.Runbooks.Planners;

/// <summary>
/// Runbook step 6 (sync) and steps 7-8 (async). Sync needs a slave that streams and has caught up; async
/// always can run, and only lowers durability (so needs approval) when a healthy sync slave is there.
/// </summary>
public static class ReplicationPlanners
{
    public static PlanResult Sync(ClusterTopology topology, ClusterSnapshot snapshot, string datanode)
    {
        if (Find(topology, snapshot, datanode) is not ({ } pair, { } observed)) return Unknown(topology, datanode);
        if (pair.Slave is null) return PlanResult.Refused($"{pair.Name} has no slave to make synchronous.", $"/pgxc add-slave {pair.Name}");
        if (!observed.Master.Answered || observed.Master.Facts!.InRecovery)
            return PlanResult.Refused($"the master of {pair.Name} at {pair.Master.Endpoint} is not a running, writable master ({Status(observed.Master)}).", "/pgxc status");

        var sender = SlaveWalSender.Find(pair, observed.Master.Facts);
        if (sender.How == SlaveIdentification.OtherName && sender.Row is { } renamed)
            return PlanResult.Refused(
                $"the slave streams as '{renamed.ApplicationName}', not as {pair.ApplicationName}: synchronous_standby_names = '{pair.ApplicationName}' would wait for a standby that is not there and block every commit.",
                $"set application_name={pair.ApplicationName} in the slave's primary_conninfo (see /pgxc status {pair.Name}), then /pgxc sync {pair.Name}");
        if (sender.How == SlaveIdentification.Ambiguous)
            return PlanResult.Refused(
                $"{sender.Describe(pair)}; making '{pair.ApplicationName}' synchronous could make the other client the synchronous standby instead of the slave.",
                $"stop the replication client that is not the slave, then /pgxc sync {pair.Name}");
        var row = sender.Identified ? sender.Row : null;
        if (row is null || row.State != "streaming")
            return PlanResult.Refused(
                $"the slave {pair.ApplicationName} is not streaming from the master of {pair.Name} ({(row is null ? "not connected" : "state " + row.State)}); " +
                "making it synchronous now would block every commit.",
                $"start the slave on {pair.Slave.HostName} and wait until /pgxc status shows it streaming");
        var lag = observed.Master.Facts.CurrentWalLsn is { } current && row.FlushLsn is { } flushed ? current.BytesAfter(flushed) : (long?)null;
        if (lag is null || lag > topology.Monitor.LagWarningBytes)
            return PlanResult.Refused(
                $"the slave of {pair.Name} has not caught up ({(lag is null ? "lag unknown" : Humanize.Bytes(lag.Value) + " behind")}; the limit is {Humanize.Bytes(topology.Monitor.LagWarningBytes)}). " +
                "Commits would wait for it to catch up.", $"wait, then /pgxc sync {pair.Name}");

        var master = Targets.Master(pair);
        var inSync = new SqlProbe($"{pair.ApplicationName} is the synchronous standby (sync_state = sync)", master,
            $"SELECT sync_state FROM pg_stat_replication WHERE application_name = {SqlText.Literal(pair.ApplicationName)}", "sync");
        var steps = SyncSettingSteps.Set(topology, pair, pair.Master, pair.ApplicationName, "set-sync",
            $"Make {pair.ApplicationName} the synchronous standby (synchronous_commit on)", inSync);
        return PlanResult.Planned(new Runbook(OperationKinds.Sync.Name, pair.Name,
            $"Switch {pair.Name} to synchronous replication: every commit on {pair.Master.Endpoint} waits until {pair.ApplicationName} has it.",
            steps, [], []));
    }

    public static PlanResult Async(ClusterTopology topology, ClusterSnapshot snapshot, string datanode)
    {
        if (Find(topology, snapshot, datanode) is not ({ } pair, { } observed)) return Unknown(topology, datanode);
        if (!observed.Master.Answered || observed.Master.Facts!.InRecovery)
            return PlanResult.Refused($"the master of {pair.Name} at {pair.Master.Endpoint} is not a running, writable master ({Status(observed.Master)}).", "/pgxc status");

        var facts = observed.Master.Facts;
        var master = Targets.Master(pair);
        var released = new AllOf("synchronous_standby_names is empty and no commit waits for a standby",
        [
            SyncSettingSteps.SettingIs(master, "synchronous_standby_names", ""),
            NoCommitWaits(pair, master, facts.ServerVersionNum),
        ]);
        var steps = SyncSettingSteps.Set(topology, pair, pair.Master, "", "set-async",
            "Clear synchronous_standby_names (commits no longer wait for the slave)", released);

        // Durability is lowered only where commits are acknowledged with the slave's confirmation now; commits
        // that cannot complete at all (too few standbys for the rule) lose nothing by being released.
        var sender = SlaveWalSender.Find(pair, facts);
        var requirement = SyncRequirement.Evaluate(facts, sender, r => r.State == "streaming");
        var healthySync = requirement.SlaveNeeded && !requirement.Unsatisfiable;
        var warnings = new List<string>();
        if (healthySync)
            warnings.Add($"{pair.ApplicationName} is a healthy synchronous standby: after this, commits acknowledged on {pair.Name} may be lost if the master dies.");
        if (facts.SyncRepWaiters > 0)
            warnings.Add($"{facts.SyncRepWaiters} session(s) are waiting for a synchronous standby now; this releases them.");
        return PlanResult.Planned(new Runbook(OperationKinds.Async.Name, pair.Name,
            $"Switch {pair.Name} to asynchronous replication: commits on {pair.Master.Endpoint} stop waiting for the slave.",
            steps, warnings, [], LowersDurability: healthySync));
    }

    /// <summary>
    /// Makes every coordinator (and datanode catalog) point at the pair's one server that the snapshot
    /// shows writable, whatever the store says is master (after a switchover with a lost or stale store,
    /// the stored master may be the standby now). With no writable server or two, it refuses and says why.
    /// A no-op where already right.
    /// </summary>
    public static PlanResult Repoint(ClusterTopology topology, ClusterSnapshot snapshot, string datanode)
    {
        if (Find(topology, snapshot, datanode) is not ({ } pair, { } observed)) return Unknown(topology, datanode);
        if (topology.Coordinators.Count == 0) return PlanResult.Refused("no coordinators are configured: there is nothing to repoint.", "/pgxc status");
        var masterWritable = observed.Master is { Answered: true, Facts.InRecovery: false };
        var slaveWritable = observed.Slave is { Answered: true, Facts.InRecovery: false };
        if (masterWritable && slaveWritable)
            return PlanResult.Refused(
                $"both {pair.Master.Endpoint} and {pair.Slave!.Endpoint} accept writes (split brain): routing the coordinators to either could hide the other's commits.",
                $"stop the one that must not take writes, then /pgxc status {pair.Name}");
        if (!masterWritable && !slaveWritable)
            return PlanResult.Refused(
                $"neither {pair.Master.Endpoint} ({Status(observed.Master)}) nor {pair.Slave?.Endpoint ?? "a slave"} ({(observed.Slave is null ? "none configured" : Status(observed.Slave))}) answers as a writable master: there is nothing to route {pair.Name} to.",
                $"/pgxc status {pair.Name}");
        var target = masterWritable ? pair.Master : pair.Slave!;
        var steps = RepointSteps.For(topology, snapshot, pair.Name, target).ToList();
        var warnings = new List<string>();
        if (!masterWritable)
        {
            // Reality wins over the store: the writable one is the master, recorded at the first repoint step.
            steps[0] = steps[0] with { MakesMaster = target.Endpoint };
            warnings.Add($"the bot's records name {pair.Master.Endpoint} as {pair.Name}'s master, but the server that answers writable now is {target.Endpoint}: the coordinators are pointed there and the records follow.");
        }
        return PlanResult.Planned(new Runbook(OperationKinds.Repoint.Name, pair.Name,
            $"Point every coordinator{(RepointSteps.HasDatanodeCatalogs(topology.Flavor) ? " and datanode catalog" : "")} at {pair.Name}'s writable server {target.Endpoint} (seen writable at {snapshot.TakenAt:HH:mm:ss} UTC); those already right are skipped.",
            steps, warnings, []));
    }

    /// <summary>No commit waits for a synchronous standby: wait_event on 9.6+, the process titles before
    /// (Postgres-XC is 9.3: a waiting commit shows only as "... waiting for X/Y" in its title).</summary>
    private static Probe NoCommitWaits(DatanodePair pair, SqlTarget master, int versionNum) =>
        new ServerFeatures(versionNum).WaitEvents
            ? new SqlProbe("no session waits for a synchronous standby", master, "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'", "0")
            : new CommandProbe("no backend's title says it waits for a synchronous standby", pair.Master.HostName, PgTools.NoSyncRepWaiters(pair.Master.DataDir), [0]);

    private static (DatanodePair, PairObservation)? Find(ClusterTopology topology, ClusterSnapshot snapshot, string datanode)
    {
        var pair = topology.FindDatanode(datanode);
        var observed = snapshot.Pairs.FirstOrDefault(p => p.Datanode == datanode);
        return pair is null || observed is null ? null : (pair, observed);
    }

    private static PlanResult Unknown(ClusterTopology topology, string datanode) =>
        PlanResult.Refused($"there is no datanode '{datanode}'; configured: {string.Join(", ", topology.Datanodes.Select(d => d.Name))}.", "/pgxc status");

    private static string Status(ServerProbe probe) =>
        probe.Answered ? "in recovery" : probe.Status + (probe.Error is null ? "" : ": " + probe.Error);
}
