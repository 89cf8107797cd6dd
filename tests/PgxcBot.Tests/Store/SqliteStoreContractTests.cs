using PgxcBot.StoreContracts;

namespace PgxcBot.Tests.Store;

/// <summary>The shared store contract on SQLite: two opens of one file, as two processes.</summary>
public sealed class SqliteStoreContractTests : StoreContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-contract-").FullName;

    protected override async Task<(StoreHandles A, StoreHandles B)> OpenAsync()
    {
        var path = Path.Combine(_dir, "state.db");
        return (Handles(await SqliteStore.OpenAsync(path, null, default)), Handles(await SqliteStore.OpenAsync(path, null, default)));
    }

    private static StoreHandles Handles(SqliteStore store)
    {
        var timeline = new SqliteTimelineStore(store);
        return new(store, new SqliteMasterSightingStore(store), new SqliteRefusalLog(store), new SqliteTopologyStore(store), new SqliteMaintenanceStore(store),
            new SqliteMonitorStore(store, TimeProvider.System), timeline, timeline);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
