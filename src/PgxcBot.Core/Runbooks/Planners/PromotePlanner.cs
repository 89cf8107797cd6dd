using PgxcBot.Core.Assessment;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;
using PgxcBot.Core.Operations;

namespace PgxcBot.Core.Runbooks.Planners;

/// <summary>What is known about whether the slave had every acknowledged commit when the master was lost.</summary>
/// <param name="Basis">Where the knowledge comes from, said in the plan ("the pair was sync when the master was lost at 03:12:09").</param>
public sealed record SlaveSyncEvidence(bool WasSync, long? LagBytes, TimeSpan? LagTime, string Basis);

public sealed record PromoteRequest(string Datanode, bool AcceptDataLoss);

/// <summary>
/// Failover (runbook step 9) with the safety the runbook lacks: refuses a slave that was not in sync
/// unless data loss is accepted and says how much; fences the old master first (stopped, and marked so a
/// restart comes back read-only) or makes the approver acknowledge that fencing is unverified; clears
/// synchronous_standby_names on the new master so its commits do not hang; repoints every coordinator and
/// every datanode's catalog, each verified.
/// </summary>
public static class PromotePlanner
{
    public const string FencingUnverified = "fencing-unverified";

    public static PlanResult Plan(ClusterTopology topology, ClusterSnapshot snapshot, PromoteRequest request,
        SlaveSyncEvidence evidence, bool masterHostAnswers)
    {
        var pair = topology.FindDatanode(request.Datanode);
        if (pair is null)
            return PlanResult.Refused($"there is no datanode '{request.Datanode}'; configured: {string.Join(", ", topology.Datanodes.Select(d => d.Name))}.", "/pgxc status");
        if (pair.Slave is null)
            return PlanResult.Refused($"{pair.Name} has no slave: there is nothing to promote.", $"/pgxc add-slave {pair.Name}");

        var observed = snapshot.Pairs.FirstOrDefault(p => p.Datanode == pair.Name);
        var slave = observed?.Slave;
        if (slave is { Answered: true, Facts.InRecovery: false })
            return PlanResult.Refused(
                $"the slave of {pair.Name} at {pair.Slave.Endpoint} is already writable: it was promoted before. Make the coordinators follow it instead.",
                $"/pgxc repoint {pair.Name}");
        if (LifecyclePlanning.RunningStandby(slave) is { } notReady)
            return PlanResult.Refused(
                $"the slave of {pair.Name} at {pair.Slave.Endpoint} {notReady}; a promote needs a running standby.",
                $"start the slave on {pair.Slave.HostName}, then /pgxc status");

        var warnings = new List<string>();
        var acks = new List<string>();
        if (!evidence.WasSync)
        {
            var behind = Behind(evidence);
            if (!request.AcceptDataLoss)
                return PlanResult.Refused(
                    $"the slave of {pair.Name} was not in sync ({evidence.Basis}; {behind}). Promoting it now loses the commits it never received.",
                    $"bring the master back if you can; if not, and the loss is accepted: /pgxc promote {pair.Name} --accept-data-loss");
            warnings.Add($"DATA LOSS ACCEPTED: the slave was not in sync ({evidence.Basis}; {behind}); commits it never received are lost.");
        }

        var master = observed!.Master;
        if (master.Answered && master.Facts is { InRecovery: false })
            warnings.Add($"the master at {pair.Master.Endpoint} still answers and is writable: it will be stopped first. For a planned move, switchover loses nothing.");
        else if (!master.Answered && master.Status != ProbeStatus.Unreachable)
            warnings.Add($"the master at {pair.Master.Endpoint} did not answer the bot ({master.Status}{(master.Error is null ? "" : ": " + master.Error)}) but its port did not refuse the connection: it may still be running (frozen, overloaded, or refusing the bot). " +
                         "Promoting while it runs would make a second master: the fence stops it first and checks that it refuses connections; if the fence fails, the promote does not run.");

        var versionNum = slave?.Facts?.ServerVersionNum ?? LifecyclePlanning.VersionNum(topology, observed);
        var steps = new List<RunbookStep>();
        if (masterHostAnswers)
        {
            steps.AddRange(FenceSteps(topology, pair, versionNum));
        }
        else
        {
            warnings.Add($"fencing is unverified: {pair.Master.HostName} does not answer SSH, so the old master cannot be stopped or marked read-only. " +
                         "If it comes back it is a second writable master: keep the host down (power, network) until it is rebuilt.");
            acks.Add(FencingUnverified);
            var down = new UnreachableProbe($"the old master {pair.Master.Endpoint} does not accept connections", Targets.Master(pair));
            steps.Add(new RunbookStep("check-old-master-down", "Check the old master does not answer", Targets.Where(pair.Master, $"{pair.Name} master"),
                new WaitOnly("the old master refuses connections"), down, DoneWhen: null,
                topology.Monitor.ConnectTimeout * 3, Rerunnable: true));
        }

        var newMaster = pair.Slave;
        var slaveTarget = Targets.Slave(pair);
        var writable = new SqlProbe($"{pair.Name}'s slave at {newMaster.Endpoint} is out of recovery (writable)", slaveTarget, "SELECT pg_is_in_recovery()", "f");
        if (GtmSteps.Unregister(topology, pair, writable) is { } unregister)
        {
            steps.Add(unregister);
            if (!masterHostAnswers && topology.Flavor == Flavor.PostgresXl)
                warnings.Add($"if the old master still runs, Postgres-XL's cluster monitor registers {pair.Name} on the GTM again within seconds; keep its host down.");
        }
        steps.Add(new RunbookStep("promote-slave", $"Promote the slave on {newMaster.HostName}", Targets.Where(newMaster, $"{pair.Name} slave"),
            new RunCommand(newMaster.HostName, Targets.PgCtl(topology, newMaster).Promote(newMaster), [0]), writable, DoneWhen: writable,
            TimeSpan.FromSeconds(60), Rerunnable: true, Attempts: 2,
            Undo: $"none: a promoted server cannot return to standby; rebuild the old master as its slave (/pgxc rebuild {pair.Name})",
            MakesMaster: newMaster.Endpoint, PointOfNoReturn: true));

        steps.AddRange(SyncSettingSteps.Set(topology, pair, newMaster, standbyNames: "", "clear-sync-on-new-master",
            "Clear synchronous_standby_names on the new master (it has no slave yet; otherwise every commit waits)",
            SyncSettingSteps.SettingIs(slaveTarget with { Name = $"{pair.Name} new master" }, "synchronous_standby_names", "")));

        steps.AddRange(RepointSteps.For(topology, snapshot, pair.Name, newMaster));
        if (GtmSteps.VerifyReachesGtm(topology, snapshot, pair.Name) is { } reachesGtm) steps.Add(reachesGtm);

        var catalogs = RepointSteps.HasDatanodeCatalogs(topology.Flavor) ? $" and {topology.Datanodes.Count} datanode catalog(s)" : "";
        return PlanResult.Planned(new Runbook(OperationKinds.Promote.Name, pair.Name,
            $"Promote {pair.Name}'s slave on {newMaster.Endpoint} to master, fence the old master on {pair.Master.Endpoint}, repoint {topology.Coordinators.Count} coordinator(s){catalogs}.",
            steps, warnings, acks));
    }

    private static IEnumerable<RunbookStep> FenceSteps(ClusterTopology topology, DatanodePair pair, int serverVersionNum)
    {
        var master = pair.Master;
        var pgCtl = Targets.PgCtl(topology, master);
        var where = Targets.Where(master, $"{pair.Name} old master");
        var stopped = new AllOf($"the old master is stopped and refuses connections",
        [
            new CommandProbe("pg_ctl status says no server runs", master.HostName, pgCtl.Status(master), [3, 4]),
            new UnreachableProbe($"{master.Endpoint} refuses connections", Targets.Master(pair)),
        ]);
        yield return new RunbookStep("fence-stop-old-master", $"Fence: stop the old master on {master.HostName} (immediate)", where,
            new RunCommand(master.HostName, pgCtl.Stop(master, StopMode.Immediate), [0, 1]), stopped, DoneWhen: stopped,
            TimeSpan.FromSeconds(30), Rerunnable: true, Attempts: 2,
            Undo: "pg_ctl start on the old master, only if the promote has not run", PointOfNoReturn: true,
            IfFailed: $"a stop that timed out may still take effect: a frozen master that wakes up then stops, and {pair.Name} has no writable master. Check with /pgxc status {pair.Name} before resuming (resume stops it again if it runs, then promotes); an approver may instead close the operation with /pgxc cancel <id> --abandon and decide by hand.");

        // A fenced master must not come back writable after a reboot: make its next start a standby.
        var (file, content) = RecoveryConfig.UsesRecoveryConf(topology.Flavor, serverVersionNum)
            ? (ManagedConfig.Path(master.DataDir, "recovery.conf"), ManagedConfig.Render(new Dictionary<string, string> { ["standby_mode"] = "on" }))
            : (ManagedConfig.Path(master.DataDir, "standby.signal"), "");
        var marked = new CommandProbe($"{file} exists", master.HostName, ShellCommand.Of("test", "-f", file), [0]);
        yield return new RunbookStep("fence-mark-read-only", "Fence: make the old master start as a standby if it is restarted", where,
            new RunCommand(master.HostName, ManagedConfig.WriteFile(file, content), [0]), marked, DoneWhen: marked,
            TimeSpan.FromSeconds(15), Rerunnable: true, Attempts: 2,
            Undo: $"remove {file} (the rebuild replaces this data directory anyway)");
    }

    private static string Behind(SlaveSyncEvidence evidence)
    {
        if (evidence.LagBytes is null && evidence.LagTime is null) return "how far behind is unknown";
        var parts = new List<string>();
        if (evidence.LagBytes is { } bytes) parts.Add(Humanize.Bytes(bytes));
        if (evidence.LagTime is { } lag) parts.Add($"{lag.TotalSeconds:0.#} s");
        return "it was " + string.Join(" / ", parts) + " behind";
    }
}
