using System.Globalization;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;
using PgxcBot.Core.Operations;

namespace PgxcBot.Core.Runbooks.Planners;

/// <summary>
/// A planned move of the master to the slave with no committed transaction lost: only from a synchronous,
/// caught-up pair; the master is stopped cleanly (fast), which sends its last WAL to the slave; the slave
/// must have received past the master's shutdown checkpoint (pg_controldata against
/// pg_last_wal_receive_lsn) before it is promoted; then every coordinator is repointed and the old master,
/// whose WAL ends where the new timeline begins, simply restarts as the new slave (base backup on XC, whose
/// standbys cannot follow a timeline switch) and becomes synchronous again.
/// </summary>
public static class SwitchoverPlanner
{
    public static PlanResult Plan(ClusterTopology topology, ClusterSnapshot snapshot, LifecycleRequest request)
    {
        if (topology.FindDatanode(request.Datanode) is not { } pair) return LifecyclePlanning.Unknown(topology, request.Datanode);
        if (pair.Slave is not { } slave) return LifecyclePlanning.NoSlaveConfigured(pair);
        var observed = LifecyclePlanning.Observed(snapshot, pair.Name);
        if (LifecyclePlanning.RequireWritableMaster(pair, observed) is { } refused) return refused;
        if (LifecyclePlanning.RunningStandby(observed!.Slave) is { } notReady)
            return PlanResult.Refused($"the slave of {pair.Name} at {slave.Endpoint} {notReady}; a switchover needs a running standby.", "/pgxc status");
        var row = LifecyclePlanning.SlaveRow(pair, observed);
        if (row is not { State: "streaming", SyncState: "sync" })
            return PlanResult.Refused(
                $"the slave {pair.ApplicationName} is not the synchronous standby ({(row is null ? "not connected" : row.State + ", " + row.SyncState)}): " +
                "a switchover only moves a master whose every commit is already on the slave.",
                row?.State == "streaming" ? $"/pgxc sync {pair.Name}, then /pgxc switchover {pair.Name}" : $"/pgxc add-slave {pair.Name} or /pgxc rebuild {pair.Name}");

        var version = LifecyclePlanning.VersionNum(topology, observed);
        var oldMaster = pair.Master;
        var oldTarget = Targets.Master(pair);
        var slaveTarget = Targets.Slave(pair);
        var steps = new List<RunbookStep>();

        var lagLimit = topology.Monitor.LagWarningBytes.ToString(CultureInfo.InvariantCulture);
        var ready = new SqlProbe($"{pair.ApplicationName} is the synchronous standby and within {lagLimit} bytes", oldTarget,
            $"SELECT state, sync_state, {WalSql.LsnDiff(version, WalSql.CurrentLsn(version), WalSql.FlushColumn(version))} <= {lagLimit} " +
            $"FROM pg_stat_replication WHERE application_name = {SqlText.Literal(pair.ApplicationName)}", "streaming|sync|t");
        steps.Add(new RunbookStep("check-in-sync", "Check the slave is synchronous and caught up", Targets.Where(oldMaster, $"{pair.Name} master"),
            new WaitOnly("sync_state sync, flushed position near the master's"), ready, DoneWhen: null, TimeSpan.FromSeconds(30), Rerunnable: true));

        var oldPgCtl = Targets.PgCtl(topology, oldMaster);
        var stopped = StandbySteps.Stopped(oldMaster.HostName, oldPgCtl, oldMaster);
        steps.Add(new RunbookStep("stop-old-master", $"Stop the master on {oldMaster.HostName} cleanly (fast): it sends its last WAL to the slave",
            Targets.Where(oldMaster, $"{pair.Name} master"),
            new RunCommand(oldMaster.HostName, oldPgCtl.Stop(oldMaster, StopMode.Fast), [0]), stopped, DoneWhen: stopped,
            TimeSpan.FromSeconds(90), Rerunnable: true, Attempts: 1,
            Undo: $"pg_ctl start on {oldMaster.HostName}: nothing else has changed yet", PointOfNoReturn: true));

        var tools = new PgTools(topology.FindHost(oldMaster.HostName)?.PgBinDir);
        var received = new WalReceivedProbe($"the slave received all WAL up to the old master's shutdown checkpoint", oldMaster.HostName,
            tools.ControlData(oldMaster.DataDir), slaveTarget, $"SELECT {WalSql.ReceiveLsn(version)}::text")
        {
            // A stock XL standby refuses SQL: its host says how far it received.
            StandbyByShell = topology.Flavor == Flavor.PostgresXl
                ? new StandbyShell(slave.HostName, new PgTools(topology.FindHost(slave.HostName)?.PgBinDir).ProcessFacts(slave.DataDir), slave.DataDir)
                : null,
        };
        steps.Add(new RunbookStep("verify-slave-has-all-wal", "Verify the slave has every WAL record the old master wrote", Targets.Where(slave, $"{pair.Name} slave"),
            new WaitOnly("pg_controldata on the old master against pg_last_wal_receive_lsn() on the slave"), received, DoneWhen: null,
            TimeSpan.FromSeconds(30), Rerunnable: true,
            Undo: $"if it never arrives: start the old master again on {oldMaster.HostName} (nothing was promoted) and look at replication"));

        var writable = new SqlProbe($"{pair.Name}'s slave at {slave.Endpoint} is out of recovery (writable)", slaveTarget, "SELECT pg_is_in_recovery()", "f");
        steps.Add(new RunbookStep("promote-slave", $"Promote the slave on {slave.HostName}", Targets.Where(slave, $"{pair.Name} slave"),
            new RunCommand(slave.HostName, Targets.PgCtl(topology, slave).Promote(slave), [0]), writable, DoneWhen: writable,
            TimeSpan.FromSeconds(60), Rerunnable: true, Attempts: 2,
            Undo: "none: the old master rejoins as its slave in the next steps", MakesMaster: slave.Endpoint, PointOfNoReturn: true));
        steps.AddRange(SyncSettingSteps.Set(topology, pair, slave, standbyNames: "", "clear-sync-on-new-master",
            "Clear synchronous_standby_names on the new master until its slave streams (otherwise every commit waits)",
            SyncSettingSteps.SettingIs(slaveTarget with { Name = $"{pair.Name} new master" }, "synchronous_standby_names", "")));
        steps.AddRange(RepointSteps.For(topology, snapshot, pair.Name, slave));

        // The old master rejoins as the slave of the new one.
        var context = new StandbyContext(topology, pair, slave, oldMaster, version);
        steps.AddRange(StandbySteps.AllowSlave(context));
        var warnings = new List<string>
        {
            $"{pair.Name} refuses writes from the stop of {oldMaster.Endpoint} until the promote of {slave.Endpoint} (typically seconds); " +
            "open transactions on the old master are rolled back and their clients must reconnect.",
        };
        var followsTimelines = topology.Flavor != Flavor.PostgresXc && version >= 90300;
        if (!followsTimelines)
        {
            warnings.Add($"the old master rejoins through a full base backup ({topology.Flavor} standbys cannot follow the promote's timeline switch); " +
                         $"its data is renamed to {oldMaster.DataDir}{PgTools.MovedAsideSuffix}<time>, not deleted.");
            steps.AddRange(StandbySteps.BaseBackup(context, moveAside: true));
        }
        steps.AddRange(StandbySteps.FollowMaster(context, null));
        steps.AddRange(StandbySteps.MakeSync(context));

        return PlanResult.Planned(new Runbook(OperationKinds.Switchover.Name, pair.Name,
            $"Move {pair.Name}'s master from {oldMaster.Endpoint} to {slave.Endpoint} without losing a commit, repoint {topology.Coordinators.Count} coordinator(s), " +
            $"and make {oldMaster.Endpoint} the new synchronous slave.",
            steps, warnings, []));
    }
}
