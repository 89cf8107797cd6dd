namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// Evaluation on one simulated server's catalog, inside the session's transaction. pgxc_pool_reload()
/// refuses to run once the transaction has written a catalog, as Postgres-XL does.
/// </summary>
internal sealed class NodeEvaluationContext(
    SimulatorState state, SessionTransaction transaction, SessionInfo session, NodeCatalogState catalog, int port)
    : IEvaluationContext
{
    public string NodeName => catalog.OwnerName;
    public int Port => port;
    public string User => session.User;
    public string Database => session.Database;
    public int BackendPid => session.BackendPid;

    public IReadOnlyList<PgxcNodeRow> NodeRows() => transaction.Read(catalog).Rows;

    public string Version() => state.Options.VersionString;

    public bool InRecovery() => state.Options.InRecovery;

    public bool PoolReload()
    {
        if (transaction.HasTransactionId)
            throw new SimulatedPgException("25001", "pgxc_pool_reload cannot run with a transaction ID assigned");
        catalog.Reload();
        return true;
    }

    public bool PoolCheck() => catalog.PoolMatchesCatalog();
}
