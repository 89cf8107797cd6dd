namespace PgxcBot.Tests.Store;

public sealed class SqliteMasterSightingStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-sighting-").FullName;
    private string DbPath => Path.Combine(_dir, "state.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_sighting_round_trips_with_its_positions_and_evidence_and_the_newest_replaces_the_older()
    {
        var at = new DateTimeOffset(2026, 11, 30, 3, 12, 9, 400, TimeSpan.Zero);
        var first = new MasterSighting(at, Lsn.Parse("0/3000BC8"), true, Lsn.Parse("0/3000B00"))
        {
            MasterFlushLsn = Lsn.Parse("0/3000BA0"), MasterEndpoint = "10.0.0.1:20006", SyncBasis = "the slave's WAL sender is the synchronous standby",
        };
        var store = new SqliteMasterSightingStore(await SqliteStore.OpenAsync(DbPath, null, default));
        await store.SaveAsync("datanode1", first, default);
        await store.SaveAllAsync([("datanode1", first with { At = at.AddSeconds(1), SlaveInSync = false }), ("datanode2", first)], default);

        var reopened = new SqliteMasterSightingStore(await SqliteStore.OpenAsync(DbPath, null, default));
        var loaded = await reopened.GetAsync("datanode1", default);
        Assert.Equal(first with { At = at.AddSeconds(1), SlaveInSync = false }, loaded);
        Assert.Equal(2, (await reopened.GetAllAsync(default)).Count);
        Assert.Null(await reopened.GetAsync("datanode3", default));
    }
}
