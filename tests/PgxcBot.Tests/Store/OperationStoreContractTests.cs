using PgxcBot.StoreContracts;

namespace PgxcBot.Tests.Store;

public sealed class SqliteOperationStoreContractTests : OperationStoreContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-contract-").FullName;

    protected override async Task<(IOperationStore First, IOperationStore Second, IOutboxStore Outbox)> OpenAsync()
    {
        var path = Path.Combine(_dir, "state.db");
        return (new SqliteOperationStore(await SqliteStore.OpenAsync(path, null, default)), new SqliteOperationStore(await SqliteStore.OpenAsync(path, null, default)),
            new SqliteOutboxStore(await SqliteStore.OpenAsync(path, null, default)));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

public sealed class MemoryOperationStoreContractTests : OperationStoreContract
{
    protected override Task<(IOperationStore First, IOperationStore Second, IOutboxStore Outbox)> OpenAsync()
    {
        var store = new MemoryOperationStore();
        return Task.FromResult<(IOperationStore, IOperationStore, IOutboxStore)>((store, store, store.Outbox));
    }
}
