using PgxcBot.Core.Assessment;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Runbooks.Planners;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Operations;

/// <summary>
/// Does the slave have every acknowledged commit? Judged by <see cref="PromoteSafety"/> from what the
/// servers proved: the master's sighting (this snapshot's when it answers, else the last one the bot
/// kept, in memory or in the store) and the slave's own received position read in this snapshot. The
/// stored pair state is never evidence: it is the bot's own earlier word.
/// </summary>
public sealed class SyncEvidenceSource(AssessmentMemory? memory = null, IMasterSightingStore? sightings = null)
{
    /// <summary>The assessment of <paramref name="snapshot"/> with what the bot remembers of earlier ones (the
    /// masters' last sightings: in memory, else stored), so that a lost master is judged as status judges it.</summary>
    public async Task<ClusterAssessment> AssessAsync(ClusterTopology topology, ClusterSnapshot snapshot, CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, MasterSighting>? stored = null;
        if (memory?.Latest is null && sightings is not null)
        {
            try
            {
                stored = await sightings.GetAllAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Judged without them: "never seen", which can only make a promote look less safe.
            }
        }
        return ClusterAssessor.Assess(topology, snapshot, memory?.Latest, stored);
    }

    public async Task<SlaveSyncEvidence> GetAsync(ClusterTopology topology, ClusterSnapshot snapshot, string datanode, CancellationToken cancellationToken)
    {
        var pair = topology.FindDatanode(datanode);
        var observed = snapshot.Pairs.FirstOrDefault(p => p.Datanode == datanode);
        if (pair is null || observed is null)
            return new SlaveSyncEvidence(false, null, null, $"{datanode} was not observed");

        var now = ClusterAssessor.Assess(topology, snapshot, memory?.Latest).Pairs.First(p => p.Datanode == datanode);
        var sighting = now.LastMasterSighting;
        if (sighting is not null && sighting.MasterEndpoint is { } seen && seen != pair.Master.Endpoint) sighting = null;
        if (sighting is null && sightings is not null)
        {
            var stored = await sightings.GetAsync(datanode, cancellationToken).ConfigureAwait(false);
            if (stored is not null && (stored.MasterEndpoint is null || stored.MasterEndpoint == pair.Master.Endpoint)) sighting = stored;
        }
        var (received, source) = PromoteSafety.SlaveReceived(observed.Slave);
        var verdict = PromoteSafety.Judge(sighting, received, source, snapshot.TakenAt, PromoteSafety.MasterWalEnd(observed.Master));
        var lag = now.Lag?.Time;
        return new SlaveSyncEvidence(verdict.Safe, verdict.MissingBytes, lag, $"{verdict.Summary}. Evidence: {string.Join("; ", verdict.Evidence)}");
    }
}
