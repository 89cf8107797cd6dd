using Microsoft.Extensions.Logging;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;

namespace PgxcBot.Hosting;

/// <summary>
/// Takes a snapshot of the topology as it stands (stored roles applied), assesses it, and lets the pair
/// state machines follow what was seen: the stored state is never trusted over the servers.
/// </summary>
internal sealed partial class ObservedClusterStatus(
    TopologyState topology,
    IClusterObserver observer,
    PairStateTracker tracker,
    IPairStateStore states,
    ILogger<ObservedClusterStatus> logger) : IClusterStatusSource
{
    // The previous assessment carries the last time the master was seen and whether its slave was in
    // sync then: what "is promoting safe?" needs once the master is gone.
    private ClusterAssessment? _previous;

    public async Task<ClusterStatus> GetAsync(CancellationToken cancellationToken)
    {
        var current = await topology.CurrentAsync(cancellationToken);
        var snapshot = await observer.ObserveAsync(current, cancellationToken);
        LogObserved(logger, snapshot.Pairs.Count, snapshot.Coordinators.Count, snapshot.Elapsed.TotalMilliseconds);
        var assessment = ClusterAssessor.Assess(current, snapshot, Volatile.Read(ref _previous));
        Volatile.Write(ref _previous, assessment);
        foreach (var transition in await tracker.ObserveAsync(assessment, cancellationToken))
            LogTransition(logger, transition.Datanode, transition.From, transition.To, transition.Reason);

        var byPair = new Dictionary<string, PairState>(StringComparer.Ordinal);
        foreach (var pair in current.Datanodes)
            if (await states.GetStateAsync(pair.Name, cancellationToken) is { } state) byPair[pair.Name] = state;
        return new ClusterStatus(assessment, byPair);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Observed {Pairs} pairs and {Coordinators} coordinators in {ElapsedMs} ms")]
    private static partial void LogObserved(ILogger logger, int pairs, int coordinators, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Datanode}: {From} -> {To}: {Reason}")]
    private static partial void LogTransition(ILogger logger, string datanode, PairState from, PairState to, string reason);
}
