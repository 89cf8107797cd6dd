using PgxcBot.Core.Observation;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;
using PgxcBot.Core.Operations;

namespace PgxcBot.Core.Runbooks.Planners;

/// <summary>
/// Runbook step 7, in the order that never leaves a commit waiting: the master stops waiting for its slave
/// (asynchronous) first, then the master stops (fast, so the slave receives its last WAL), then the slave.
/// Start is the reverse: master, slave, streaming, then synchronous again.
/// </summary>
public static class StopStartPlanners
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(90);

    public static PlanResult Stop(ClusterTopology topology, ClusterSnapshot snapshot, LifecycleRequest request)
    {
        if (topology.FindDatanode(request.Datanode) is not { } pair) return LifecyclePlanning.Unknown(topology, request.Datanode);
        var observed = LifecyclePlanning.Observed(snapshot, pair.Name);
        var steps = new List<RunbookStep>();
        if (observed?.Master is { Answered: true, Facts: { InRecovery: false } facts } && facts.SynchronousStandbyNames.Length > 0)
        {
            var master = Targets.Master(pair);
            var released = SyncSettingSteps.SettingIs(master, "synchronous_standby_names", "");
            steps.AddRange(SyncSettingSteps.Set(topology, pair, pair.Master, "", "stop-set-async",
                "Switch to asynchronous first, so no commit can wait for a slave that stops", released));
        }
        steps.Add(StopStep(topology, pair.Master, "stop-master", $"Stop the master on {pair.Master.HostName} (fast)", $"{pair.Name} master"));
        if (pair.Slave is { } slave)
            steps.Add(StopStep(topology, slave, "stop-slave", $"Stop the slave on {slave.HostName} (fast), after the master", $"{pair.Name} slave"));

        return PlanResult.Planned(new Runbook(OperationKinds.Stop.Name, pair.Name,
            $"Stop {pair.Name}: asynchronous first, then the master, then the slave. /pgxc start {pair.Name} brings it back in sync.",
            steps,
            [$"{pair.Name} stops serving: every query that needs it fails until /pgxc start {pair.Name}."], []));
    }

    public static PlanResult Start(ClusterTopology topology, ClusterSnapshot snapshot, LifecycleRequest request)
    {
        if (topology.FindDatanode(request.Datanode) is not { } pair) return LifecyclePlanning.Unknown(topology, request.Datanode);
        var observed = LifecyclePlanning.Observed(snapshot, pair.Name);
        var master = Targets.Master(pair);
        var writable = StandbySteps.IsWritableMaster(master, pair.Master.Endpoint);
        var steps = new List<RunbookStep>(StandbySteps.WaitForOldProcesses(topology, pair.Master, Targets.Where(pair.Master, $"{pair.Name} master"), "wait-old-master-processes", writable))
        {
            new("start-master", $"Start the master on {pair.Master.HostName}", Targets.Where(pair.Master, $"{pair.Name} master"),
                new RunCommand(pair.Master.HostName, Targets.PgCtl(topology, pair.Master).Start(pair.Master, ServerFiles.StartLog(pair.Master)), [0]),
                writable, DoneWhen: writable, TimeSpan.FromSeconds(90), Rerunnable: true, Attempts: 2,
                Undo: $"pg_ctl stop -m fast on {pair.Master.HostName}"),
        };
        if (pair.Slave is { } slave)
        {
            var context = new StandbyContext(topology, pair, pair.Master, slave, LifecyclePlanning.VersionNum(topology, observed));
            var standby = StandbySteps.IsStandby(context);
            steps.AddRange(StandbySteps.WaitForOldProcesses(topology, slave, context.SlaveWhere, "wait-old-slave-processes", standby));
            steps.Add(new RunbookStep("start-slave", $"Start the slave on {slave.HostName}", context.SlaveWhere,
                new RunCommand(slave.HostName, context.SlavePgCtl.Start(slave, ServerFiles.StartLog(slave)), [0]), standby, DoneWhen: standby,
                TimeSpan.FromSeconds(90), Rerunnable: true, Attempts: 2));
            var streaming = StandbySteps.Streaming(context);
            steps.Add(new RunbookStep("wait-streaming", "Wait until the slave streams from the master", context.MasterWhere,
                new WaitOnly($"{pair.ApplicationName} streaming"), streaming, DoneWhen: streaming, TimeSpan.FromMinutes(2), Rerunnable: true));
            if (!request.AsyncOnly) steps.AddRange(StandbySteps.MakeSync(context));
        }
        return PlanResult.Planned(new Runbook(OperationKinds.Start.Name, pair.Name,
            $"Start {pair.Name}: the master, then the slave{(pair.Slave is null || request.AsyncOnly ? "." : ", then synchronous replication again.")}",
            steps, [], []));
    }

    private static RunbookStep StopStep(ClusterTopology topology, ServerLocation server, string id, string title, string role)
    {
        var pgCtl = Targets.PgCtl(topology, server);
        var stopped = StandbySteps.Stopped(server.HostName, pgCtl, server);
        return new RunbookStep(id, title, Targets.Where(server, role),
            new RunCommand(server.HostName, pgCtl.Stop(server, StopMode.Fast), [0]), stopped, DoneWhen: stopped,
            StopTimeout, Rerunnable: true, Attempts: 2, Undo: $"pg_ctl start on {server.HostName} (or /pgxc start)");
    }
}
