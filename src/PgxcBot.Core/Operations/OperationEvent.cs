namespace PgxcBot.Core.Operations;

public enum OperationEventKind { AwaitingApproval, PlanChanged, Started, StepStarted, StepFinished, Finished, Interrupted }

/// <summary>Something happened to an operation; the operation carries every step's current status.</summary>
public sealed record OperationEvent(OperationEventKind Kind, Operation Operation, int? StepIndex = null);

/// <summary>Where progress goes: the console prints it, Discord edits one live message per operation.</summary>
public interface IOperationObserver
{
    Task OnEventAsync(OperationEvent operationEvent, CancellationToken cancellationToken);
}
