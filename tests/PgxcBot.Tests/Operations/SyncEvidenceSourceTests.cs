using PgxcBot.Core.Assessment;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;
using PgxcBot.Tests.Domain;
using PgxcBot.Tests.Support;

namespace PgxcBot.Tests.Operations;

public class SyncEvidenceSourceTests
{
    [Fact]
    public async Task The_last_sighting_of_the_master_says_how_much_an_async_slave_lacked()
    {
        var builder = new ClusterBuilder().Async().SlaveBehind(3 * 1024 * 1024);
        var memory = new AssessmentMemory();
        memory.Remember(builder.Assess());
        memory.Remember(builder.MasterKilled().Assess(memory.Latest));

        var evidence = await new SyncEvidenceSource(new MemoryPairStateStore(), memory)
            .GetAsync(builder.Topology(), builder.Snapshot(), "datanode1", default);

        Assert.False(evidence.WasSync);
        Assert.Equal(3 * 1024 * 1024, evidence.LagBytes);
        Assert.Contains("last seen", evidence.Basis);
    }

    [Fact]
    public async Task A_sync_slave_seen_with_its_master_is_safe_to_promote()
    {
        var builder = new ClusterBuilder();
        var memory = new AssessmentMemory();
        memory.Remember(builder.Assess());
        memory.Remember(builder.MasterKilled().Assess(memory.Latest));

        var evidence = await new SyncEvidenceSource(new MemoryPairStateStore(), memory)
            .GetAsync(builder.Topology(), builder.Snapshot(), "datanode1", default);

        Assert.True(evidence.WasSync);
    }

    [Fact]
    public async Task Without_a_sighting_the_stored_state_when_the_master_was_lost_decides()
    {
        var builder = new ClusterBuilder().MasterKilled();
        var store = new MemoryPairStateStore();
        await store.RecordTransitionAsync(new PairTransition("datanode1", ClusterBuilder.Now, PairState.Sync, PairState.DegradedMasterLost,
            PairTrigger.ObservedMasterLost, "lost"), default);
        Assert.True((await new SyncEvidenceSource(store).GetAsync(builder.Topology(), builder.Snapshot(), "datanode1", default)).WasSync);

        var neverSeen = new MemoryPairStateStore();
        await neverSeen.RecordTransitionAsync(new PairTransition("datanode1", ClusterBuilder.Now, PairState.DegradedMasterLost,
            PairState.DegradedMasterLost, PairTrigger.ObservedMasterLost, "first seen lost"), default);
        var unknown = await new SyncEvidenceSource(neverSeen).GetAsync(builder.Topology(), builder.Snapshot(), "datanode1", default);
        Assert.False(unknown.WasSync);
        Assert.Contains("cannot know", unknown.Basis);
    }
}
