namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// The server a SELECT is evaluated on: the coordinator itself, or a datanode whose catalog the
/// simulator emulates for EXECUTE DIRECT.
/// </summary>
internal interface IEvaluationContext
{
    string NodeName { get; }
    int Port { get; }
    string User { get; }
    string Database { get; }
    int BackendPid { get; }
    IReadOnlyList<PgxcNodeRow> NodeRows();
    string Version();
    bool InRecovery();
    bool PoolReload();
    bool PoolCheck();
}
