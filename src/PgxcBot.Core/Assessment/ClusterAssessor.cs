using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Assessment;

/// <summary>
/// Turns a snapshot into a judgement: per pair a condition, a health, the lag and the problems, each
/// problem a sentence and a next step; plus the datanode × coordinator routing matrix. Pure: no I/O, no
/// clock (the snapshot's <see cref="ClusterSnapshot.TakenAt"/> is "now").
/// </summary>
public static class ClusterAssessor
{
    /// <summary>Assesses one snapshot without memory of earlier ones. With a master lost, the bot then
    /// cannot say whether the slave was in sync; prefer the overload taking the previous assessment.</summary>
    public static ClusterAssessment Assess(ClusterTopology topology, ClusterSnapshot snapshot) =>
        Assess(topology, snapshot, previous: null);

    /// <summary>
    /// Assesses <paramref name="snapshot"/>, carrying from <paramref name="previous"/> only the last time
    /// each master was seen (<see cref="PairAssessment.LastMasterSighting"/>): that is what lets the
    /// assessment of a lost master say whether promoting the slave is safe, or how much it would lose;
    /// and the previous observation of each pair, which tells a slave that stopped acknowledging WAL
    /// (frozen host, partition) from a healthy one long before the master's wal_sender_timeout.
    /// </summary>
    /// <param name="stored">Sightings kept from before a restart, by datanode: used for a pair the previous
    /// assessment knows no sighting of, when the stored one is of the same master.</param>
    public static ClusterAssessment Assess(ClusterTopology topology, ClusterSnapshot snapshot, ClusterAssessment? previous,
        IReadOnlyDictionary<string, MasterSighting>? stored = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(snapshot);

        var pairs = topology.Datanodes.Select(pair =>
        {
            var observation = snapshot.Pairs.FirstOrDefault(o => o.Datanode == pair.Name);
            var sighting = previous?.Pairs.FirstOrDefault(p => p.Datanode == pair.Name)?.LastMasterSighting;
            var before = previous?.Snapshot.Pairs.FirstOrDefault(o => o.Datanode == pair.Name);
            // A sighting of another server (the topology swapped roles since) says nothing about this master.
            if (before is not null && before.Master.Location != pair.Master) before = null;
            if (sighting is not null && before is null) sighting = null;
            if (sighting is null && stored?.GetValueOrDefault(pair.Name) is { } kept && kept.MasterEndpoint == pair.Master.Endpoint) sighting = kept;
            var earlier = before is null ? null : new EarlierObservation(previous!.Snapshot.TakenAt, before);
            return PairAssessor.Assess(topology, pair, observation, snapshot.TakenAt, sighting, earlier);
        }).ToArray();

        pairs = [.. WatchAssessor.Assess(topology, snapshot, pairs)];
        var (views, coordinatorProblems) = CoordinatorAssessor.Assess(topology, snapshot, pairs);
        var (cluster, quietPairs, quietCoordinators) = GtmAssessor.Assess(topology, snapshot, pairs, coordinatorProblems);
        // What the servers show, with the next steps the advice gives when nothing else is known; callers that
        // know the bot's records (stored states, operations) apply the advice again with them.
        var found = quietPairs.Select(p => p with { Found = p.Problems }).ToArray();
        return Advice.ClusterAdvisor.Apply(topology, new ClusterAssessment(snapshot, found, views, quietCoordinators) { ClusterProblems = cluster });
    }
}
