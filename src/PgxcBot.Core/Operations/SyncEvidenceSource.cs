using PgxcBot.Core.Assessment;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Runbooks.Planners;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Operations;

/// <summary>
/// Was the slave in sync when the master was lost? With the master still answering, the snapshot says so
/// directly. Without it, the stored pair state does: the state the pair was in when the master was lost.
/// </summary>
public sealed class SyncEvidenceSource(IPairStateStore pairs, AssessmentMemory? memory = null)
{
    public async Task<SlaveSyncEvidence> GetAsync(ClusterTopology topology, ClusterSnapshot snapshot, string datanode, CancellationToken cancellationToken)
    {
        var pair = topology.FindDatanode(datanode);
        var observed = snapshot.Pairs.FirstOrDefault(p => p.Datanode == datanode);
        if (pair is not null && observed?.Master is { Answered: true, Facts: { InRecovery: false } master })
        {
            var row = master.Replication.FirstOrDefault(r => r.ApplicationName == pair.ApplicationName);
            var lag = master.CurrentWalLsn is { } current && row?.FlushLsn is { } flushed ? current.BytesAfter(flushed) : (long?)null;
            var sync = row is { State: "streaming", SyncState: "sync" };
            return new SlaveSyncEvidence(sync, lag, row?.ReplayLag,
                sync ? "the master answers and the slave is its synchronous standby"
                     : $"the master answers and the slave is {(row is null ? "not connected" : row.SyncState + ", " + row.State)}");
        }

        // The last sighting of the master, when the bot saw one: it knows the amount, not only the state.
        if (memory?.Latest?.Pairs.FirstOrDefault(p => p.Datanode == datanode) is { LastMasterSighting: { } sighting } seen)
        {
            var missing = seen.PromoteLossBytes ?? (sighting.MasterLsn is { } m && sighting.SlaveFlushLsn is { } f ? m.BytesAfter(f) : null);
            return sighting.SlaveInSync
                ? new SlaveSyncEvidence(true, 0, null, $"the master was last seen at {sighting.At:HH:mm:ss} UTC with this slave as its synchronous standby")
                : new SlaveSyncEvidence(false, missing, null, $"the master was last seen at {sighting.At:HH:mm:ss} UTC, and this slave was not its synchronous standby then");
        }

        var history = await pairs.GetHistoryAsync(datanode, 20, cancellationToken).ConfigureAwait(false);
        var lost = history.FirstOrDefault(t => t.To == PairState.DegradedMasterLost);
        if (lost is not null && lost.From == lost.To)
            return new SlaveSyncEvidence(false, null, null,
                "the bot first saw this pair with its master already gone, so it cannot know whether the slave had every commit");
        var stateBefore = lost?.From ?? await pairs.GetStateAsync(datanode, cancellationToken).ConfigureAwait(false);
        return stateBefore switch
        {
            PairState.Sync => new SlaveSyncEvidence(true, 0, null,
                lost is null ? "the pair's last known state is sync" : $"the pair was sync when the master was lost at {lost.At:HH:mm:ss} UTC"),
            null => new SlaveSyncEvidence(false, null, null, "the bot never saw this pair in sync"),
            var other => new SlaveSyncEvidence(false, null, null,
                lost is null ? $"the pair's last known state is {other}" : $"the pair was {other} when the master was lost at {lost.At:HH:mm:ss} UTC"),
        };
    }
}
