using PgxcBot.Tests.Assessment;
using PgxcBot.Tests.Pairs;

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

        var evidence = await new SyncEvidenceSource(memory).GetAsync(builder.Topology(), builder.Snapshot(), "datanode1", default);

        Assert.False(evidence.WasSync);
        Assert.Equal(3 * 1024 * 1024, evidence.LagBytes);
        Assert.Contains("last seen", evidence.Basis);
        Assert.Contains(ClusterBuilder.Head.ToString(), evidence.Basis);
    }

    [Fact]
    public async Task A_sync_slave_seen_with_its_master_and_holding_all_its_WAL_is_safe_to_promote()
    {
        var builder = new ClusterBuilder();
        var memory = new AssessmentMemory();
        memory.Remember(builder.Assess());
        memory.Remember(builder.MasterKilled().Assess(memory.Latest));

        var evidence = await new SyncEvidenceSource(memory).GetAsync(builder.Topology(), builder.Snapshot(), "datanode1", default);

        Assert.True(evidence.WasSync);
        Assert.Contains("synchronous standby", evidence.Basis);
        Assert.Contains("received", evidence.Basis);
    }

    [Fact]
    public async Task Without_a_sighting_nothing_proves_the_slave_complete_whatever_the_store_says()
    {
        var builder = new ClusterBuilder().MasterKilled();

        var unknown = await new SyncEvidenceSource(new AssessmentMemory()).GetAsync(builder.Topology(), builder.Snapshot(), "datanode1", default);

        Assert.False(unknown.WasSync);
        Assert.Null(unknown.LagBytes);
        Assert.Contains("never saw the master", unknown.Basis);
    }

    [Fact]
    public async Task A_stored_sighting_of_the_same_master_counts_after_a_restart()
    {
        var builder = new ClusterBuilder();
        var alive = builder.Assess().Pairs[0].LastMasterSighting!;
        var store = new PgxcBot.Tests.Support.MemorySightingStore();
        await store.SaveAsync("datanode1", alive, default);

        var evidence = await new SyncEvidenceSource(new AssessmentMemory(), store)
            .GetAsync(builder.Topology(), builder.MasterKilled().Snapshot(), "datanode1", default);

        Assert.True(evidence.WasSync);
    }
}
