using PgxcBot.Core.Outbox;
using PgxcBot.Store.Postgres;
using PgxcBot.StoreContracts;
using PgxcBot.IntegrationTests.Replicas;

namespace PgxcBot.IntegrationTests.Store;

/// <summary>The shared store contract on a real PostgreSQL store: two opens of one fresh database, as two replicas.</summary>
public sealed class PostgresStoreContractTests(StoreServer server) : StoreContract, IClassFixture<StoreServer>
{
    private readonly List<PostgresStore> _opened = [];

    protected override async Task<(StoreHandles A, StoreHandles B)> OpenAsync()
    {
        var connectionString = await server.CreateDatabaseAsync();
        return (await HandlesAsync(connectionString), await HandlesAsync(connectionString));
    }

    private async Task<StoreHandles> HandlesAsync(string connectionString)
    {
        var store = await PostgresStore.OpenAsync(connectionString, null, null, default);
        _opened.Add(store);
        var timeline = new PostgresTimelineStore(store);
        return new StoreHandles(store, new PostgresMasterSightingStore(store), new PostgresRefusalLog(store), new PostgresTopologyStore(store),
            new PostgresMaintenanceStore(store), new PostgresMonitorStore(store, TimeProvider.System), timeline, timeline);
    }

    public override async Task DisposeAsync()
    {
        foreach (var store in _opened) await store.DisposeAsync();
    }
}

/// <summary>The operation store's concurrency contract on a real PostgreSQL store.</summary>
public sealed class PostgresOperationStoreContractTests(StoreServer server) : OperationStoreContract, IClassFixture<StoreServer>
{
    private readonly List<PostgresStore> _opened = [];

    protected override async Task<(IOperationStore First, IOperationStore Second, IOutboxStore Outbox)> OpenAsync()
    {
        var connectionString = await server.CreateDatabaseAsync();
        var stores = new[]
        {
            await PostgresStore.OpenAsync(connectionString, null, null, default), await PostgresStore.OpenAsync(connectionString, null, null, default),
            await PostgresStore.OpenAsync(connectionString, null, null, default),
        };
        _opened.AddRange(stores);
        return (new PostgresOperationStore(stores[0]), new PostgresOperationStore(stores[1]), new PostgresOutboxStore(stores[2]));
    }

    public override async Task DisposeAsync()
    {
        foreach (var store in _opened) await store.DisposeAsync();
    }
}
