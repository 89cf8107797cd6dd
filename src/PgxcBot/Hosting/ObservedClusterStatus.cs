using Microsoft.Extensions.Logging;
using PgxcBot.Core.Advice;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;

namespace PgxcBot.Hosting;

/// <summary>
/// Takes a snapshot of the topology as it stands (stored roles applied), assesses it, and lets the pair
/// state machines follow what was seen: the stored state is never trusted over the servers.
/// On a replica that is not active (a standby, or the one-shot <c>pgxcbot status</c> watching a shared store) it
/// writes nothing: the assessment is as fresh, but the sightings and the pairs' state changes are the active
/// replica's to record (the store's fence would refuse them anyway; a standby does not even try).
/// <para>In a process that runs the monitor (<paramref name="monitorObserver"/>), the snapshot is taken the way the poll
/// takes it, with the poll's bounded timeouts, so it runs on the poll's sessions: with the configured timeouts the
/// observer's pools were other ones (their settings differ), and the first status after a start opened a second session
/// on every server (64 lab pairs: 130 session starts for one <c>pgxcbot status</c>, the host at load 58 for a minute).
/// A fresh observation all the same: never the poll's published snapshot.</para>
/// </summary>
internal sealed partial class ObservedClusterStatus(
    TopologyState topology,
    IClusterObserver observer,
    PairStateTracker tracker,
    IPairStateStore states,
    AssessmentMemory memory,
    MasterSightings sightings,
    AdviceSource advice,
    ILogger<ObservedClusterStatus> logger,
    PgxcBot.Core.Replicas.IReplicaRole? replicas = null,
    Monitoring.SharedSnapshotObserver? monitorObserver = null) : IClusterStatusSource
{
    public async Task<ClusterStatus> GetAsync(CancellationToken cancellationToken)
    {
        var current = await topology.CurrentAsync(cancellationToken);
        var snapshot = monitorObserver is not null
            ? await monitorObserver.ObserveFreshAsync(current, cancellationToken)
            : await observer.ObserveAsync(current, cancellationToken);
        LogObserved(logger, snapshot.Pairs.Count, snapshot.Coordinators.Count, snapshot.Elapsed.TotalMilliseconds);
        // The previous assessment carries the last time each master was seen and whether its slave was in
        // sync then: what "is promoting safe?" needs once the master is gone.
        var assessment = ClusterAssessor.Assess(current, snapshot, memory.Latest,
            memory.Latest is null ? await sightings.StoredAsync(cancellationToken) : null);
        memory.Remember(assessment);
        if (replicas is null || replicas.IsActive)
        {
            try
            {
                await sightings.SaveAsync(assessment, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSightingsNotStored(logger, e);
            }
            foreach (var transition in await tracker.ObserveAsync(assessment, cancellationToken))
                LogTransition(logger, transition.Datanode, transition.From, transition.To, transition.Reason);
        }

        var stored = await states.GetStatesAsync(cancellationToken);
        var byPair = new Dictionary<string, PairState>(StringComparer.Ordinal);
        foreach (var pair in current.Datanodes)
            if (stored.TryGetValue(pair.Name, out var state)) byPair[pair.Name] = state;
        // The next steps from the one advice: the same words the monitor's alerts and the refusals use.
        return new ClusterStatus(await advice.AdviseAsync(current, assessment, cancellationToken), byPair);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store the masters' last sightings; they stay in memory")]
    private static partial void LogSightingsNotStored(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Observed {Pairs} pairs and {Coordinators} coordinators in {ElapsedMs} ms")]
    private static partial void LogObserved(ILogger logger, int pairs, int coordinators, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Datanode}: {From} -> {To}: {Reason}")]
    private static partial void LogTransition(ILogger logger, string datanode, PairState from, PairState to, string reason);
}
