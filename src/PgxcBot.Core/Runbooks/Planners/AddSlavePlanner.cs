using PgxcBot.Core.Observation;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;
using PgxcBot.Core.Operations;

namespace PgxcBot.Core.Runbooks.Planners;

/// <summary>
/// Runbook steps 1-6, made safe to repeat: prepare the master (settings, restart when needed, pg_hba once,
/// reload), base-backup into an empty 0700 directory (a non-empty one is refused, or moved aside when the
/// request says so; never deleted), write the recovery settings per flavor, start, wait until it streams
/// (async), then make it synchronous unless asked not to. A second run finds every step done and skips it.
/// </summary>
public static class AddSlavePlanner
{
    public static PlanResult Plan(ClusterTopology topology, ClusterSnapshot snapshot, LifecycleRequest request, LifecycleFacts facts)
    {
        if (LifecyclePlanning.RequireSlaveToBuild(topology, snapshot, request.Datanode, "slave", out var target) is { } refused) return refused;
        var (pair, slave, observed) = target;
        if (facts.SlaveHostError is { } hostError)
            return PlanResult.Refused($"the slave's host {slave.HostName} could not be asked about {slave.DataDir}: {hostError}", $"check SSH to {slave.HostName}, then try again");
        if (facts.MasterSettings is not { } settings)
            return PlanResult.Refused($"the master's settings (wal_level, max_wal_senders) could not be read at {pair.Master.Endpoint}.", "/pgxc status");

        var streams = LifecyclePlanning.SlaveStreams(pair, observed);
        if (!streams && observed?.Slave is { Answered: true })
            return PlanResult.Refused(
                $"a server already answers at the slave's address {slave.Endpoint} but does not stream from the master: it is not a slave to add but one to rebuild.",
                $"/pgxc rebuild {pair.Name}");
        if (!streams)
        {
            switch (facts.SlaveDir)
            {
                case DataDirState.NotEmpty when !request.MoveAside:
                    return PlanResult.Refused(
                        $"the slave's data directory {slave.DataDir} on {slave.HostName} is not empty. The bot never overwrites or deletes data it did not make.",
                        $"empty it yourself, or let the bot rename it to {slave.DataDir}{PgTools.MovedAsideSuffix}<time>: /pgxc add-slave {pair.Name} --move-aside");
                case DataDirState.Unknown:
                    return PlanResult.Refused($"what is in {slave.DataDir} on {slave.HostName} could not be told.", $"check the directory on {slave.HostName}");
            }
        }

        var context = new StandbyContext(topology, pair, pair.Master, slave, LifecyclePlanning.VersionNum(topology, observed));
        var warnings = new List<string>();
        var steps = new List<RunbookStep>();
        steps.AddRange(StandbySteps.PrepareMaster(context, settings, warnings));
        var moveAside = request.MoveAside && facts.SlaveDir == DataDirState.NotEmpty && !streams;
        if (moveAside)
            warnings.Add($"the data now in {slave.DataDir} on {slave.HostName} is renamed to {slave.DataDir}{PgTools.MovedAsideSuffix}<time>, not deleted; remove it yourself when you no longer need it.");
        steps.AddRange(StandbySteps.BaseBackup(context, moveAside));
        steps.AddRange(StandbySteps.FollowMaster(context, settings));
        if (!request.AsyncOnly) steps.AddRange(StandbySteps.MakeSync(context));
        if (streams) warnings.Add($"{pair.ApplicationName} already streams from the master: every step should find its work done and be skipped.");

        return PlanResult.Planned(new Runbook(OperationKinds.AddSlave.Name, pair.Name,
            $"Set up {pair.Name}'s slave at {slave.Endpoint} ({slave.DataDir}) streaming from {pair.Master.Endpoint}" +
            (request.AsyncOnly ? ", asynchronously." : ", then make it the synchronous standby."),
            steps, warnings, []));
    }
}
