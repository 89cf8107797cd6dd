namespace PgxcBot.Core.Operations;

/// <summary>A request, approval, cancel or resume that was refused: who, what, when, why, and what to do instead.
/// Kept so that history tells the whole story (a refused self-approval, a promote refused for lack of sync).</summary>
/// <param name="Command">The command as given ("promote datanode1", "approve 3").</param>
/// <param name="Datanode">The datanode concerned, when known.</param>
/// <param name="OperationId">The operation concerned (an approval of operation 3), when there is one.</param>
public sealed record OperationRefusal(DateTimeOffset At, Actor Actor, string Command, string? Datanode, long? OperationId, string Reason, string? NextStep);

/// <summary>Where refusals are kept (append only). A log that cannot write never fails the answer to the person.</summary>
public interface IRefusalLog
{
    Task RecordAsync(OperationRefusal refusal, CancellationToken cancellationToken);

    /// <summary>Newest first; all datanodes when <paramref name="datanode"/> is null.</summary>
    Task<IReadOnlyList<OperationRefusal>> GetAsync(string? datanode, int limit, CancellationToken cancellationToken);
}
