using Microsoft.Extensions.Logging;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;

namespace PgxcBot.Hosting;

/// <summary>Takes a snapshot with the <see cref="IClusterObserver"/> and assesses it.</summary>
internal sealed partial class ObservedClusterStatus(
    ClusterTopology topology,
    IClusterObserver observer,
    ILogger<ObservedClusterStatus> logger) : IClusterStatusSource
{
    public async Task<ClusterAssessment> GetAsync(CancellationToken cancellationToken)
    {
        var snapshot = await observer.ObserveAsync(topology, cancellationToken);
        LogObserved(logger, snapshot.Pairs.Count, snapshot.Coordinators.Count, snapshot.Elapsed.TotalMilliseconds);
        return ClusterAssessor.Assess(topology, snapshot);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Observed {Pairs} pairs and {Coordinators} coordinators in {ElapsedMs} ms")]
    private static partial void LogObserved(ILogger logger, int pairs, int coordinators, double elapsedMs);
}
