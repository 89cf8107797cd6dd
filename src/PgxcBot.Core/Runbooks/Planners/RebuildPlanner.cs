using PgxcBot.Core.Observation;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;
using PgxcBot.Core.Operations;

namespace PgxcBot.Core.Runbooks.Planners;

/// <summary>
/// After a promote the old master is the pair's stale slave: this makes it the new slave on its own host.
/// pg_rewind when its data allows (PostgreSQL 13+, wal_log_hints or data checksums; it finishes crash
/// recovery itself), otherwise a fresh base backup with the old data moved aside, never deleted. Then it
/// streams (async) and becomes the synchronous standby unless asked not to.
/// </summary>
public static class RebuildPlanner
{
    public static PlanResult Plan(ClusterTopology topology, ClusterSnapshot snapshot, LifecycleRequest request, LifecycleFacts facts)
    {
        if (LifecyclePlanning.RequireSlaveToBuild(topology, snapshot, request.Datanode, "slave (the old master)", out var target) is { } refused) return refused;
        var (pair, stale, observed) = target;
        if (observed?.Slave is { Answered: true, Facts.InRecovery: false })
            return PlanResult.Refused(
                $"the server at {stale.Endpoint} (the old master) still accepts writes next to the master at {pair.Master.Endpoint}: two writable masters. " +
                "Rebuilding would throw away whatever was written to it.",
                $"decide which one holds the data; if it is {pair.Master.Endpoint}, stop {stale.Endpoint} (pg_ctl stop -m fast on {stale.HostName}), then /pgxc rebuild {pair.Name}");
        if (LifecyclePlanning.SlaveStreams(pair, observed))
            return PlanResult.Refused($"{pair.ApplicationName} at {stale.Endpoint} already streams from the master: there is nothing to rebuild.", $"/pgxc sync {pair.Name}");
        if (facts.SlaveHostError is { } hostError)
            return PlanResult.Refused($"{stale.HostName} could not be asked about {stale.DataDir}: {hostError}", $"check SSH to {stale.HostName}, then try again");
        if (facts.MasterSettings is not { } settings)
            return PlanResult.Refused($"the master's settings could not be read at {pair.Master.Endpoint}.", "/pgxc status");

        var version = LifecyclePlanning.VersionNum(topology, observed);
        var context = new StandbyContext(topology, pair, pair.Master, stale, version);
        var warnings = new List<string>();
        var steps = new List<RunbookStep>();
        steps.AddRange(StandbySteps.PrepareMaster(context, settings, warnings));
        var pgCtl = context.SlavePgCtl;
        var stopped = StandbySteps.Stopped(stale.HostName, pgCtl, stale);
        steps.Add(new RunbookStep("stop-old-master", $"Make sure the old master on {stale.HostName} is stopped", context.SlaveWhere,
            new RunCommand(stale.HostName, pgCtl.Stop(stale, StopMode.Fast), [0, 1]), stopped, DoneWhen: stopped,
            TimeSpan.FromSeconds(90), Rerunnable: true, Attempts: 2));

        var rewind = !request.ForceBaseBackup && topology.Flavor == Flavor.PostgreSql && version >= 130000
                     && facts.SlaveDir == DataDirState.NotEmpty && facts.SlaveControl is { Rewindable: true };
        if (rewind)
        {
            warnings.Add($"pg_rewind rewrites {stale.DataDir} in place onto the new master's timeline: anything the old master wrote after the promote point is discarded " +
                         "(a synchronous pair acknowledged none of it).");
            steps.AddRange(StandbySteps.Rewind(context));
        }
        else
        {
            var why = request.ForceBaseBackup ? "a fresh copy was asked for"
                : topology.Flavor != Flavor.PostgreSql ? $"pg_rewind is not used on {topology.Flavor}"
                : version < 130000 ? "pg_rewind before PostgreSQL 13 needs a cleanly stopped server"
                : facts.SlaveControl is null ? "the old data directory could not be read"
                : "the old data has neither wal_log_hints nor data checksums, which pg_rewind needs";
            warnings.Add($"a full base backup is taken ({why}); the old data in {stale.DataDir} is renamed to {stale.DataDir}{PgTools.MovedAsideSuffix}<time>, " +
                         "not deleted: remove it yourself once the new slave streams.");
            steps.AddRange(StandbySteps.BaseBackup(context, moveAside: true));
        }
        steps.AddRange(StandbySteps.FollowMaster(context, settings));
        if (!request.AsyncOnly) steps.AddRange(StandbySteps.MakeSync(context));

        return PlanResult.Planned(new Runbook(OperationKinds.Rebuild.Name, pair.Name,
            $"Rebuild the old master at {stale.Endpoint} as {pair.Name}'s slave of {pair.Master.Endpoint} ({(rewind ? "pg_rewind" : "base backup")})" +
            (request.AsyncOnly ? ", streaming asynchronously." : ", then make it the synchronous standby."),
            steps, warnings, []));
    }
}
