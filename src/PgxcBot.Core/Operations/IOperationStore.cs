namespace PgxcBot.Core.Operations;

/// <summary>
/// Where operations live, so that an approval survives a restart and a bot that died mid-operation can
/// say at start which steps ran. Steps are written before and after they run.
/// </summary>
public interface IOperationStore
{
    /// <summary>Stores a new operation and returns it with its id.</summary>
    Task<Operation> CreateAsync(Operation operation, CancellationToken cancellationToken);

    /// <summary>Replaces the stored operation (state, approvals, plan, steps, result).</summary>
    Task UpdateAsync(Operation operation, CancellationToken cancellationToken);

    Task<Operation?> GetAsync(long id, CancellationToken cancellationToken);

    /// <summary>Operations not finished (Planned, AwaitingApproval, Running, Interrupted), oldest first.</summary>
    Task<IReadOnlyList<Operation>> GetOpenAsync(CancellationToken cancellationToken);

    /// <summary>Newest first; all datanodes when <paramref name="datanode"/> is null.</summary>
    Task<IReadOnlyList<Operation>> GetHistoryAsync(string? datanode, int limit, CancellationToken cancellationToken);
}
