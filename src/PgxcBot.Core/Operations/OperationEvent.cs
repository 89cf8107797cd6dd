namespace PgxcBot.Core.Operations;

public enum OperationEventKind { AwaitingApproval, PlanChanged, Started, StepStarted, StepFinished, Finished, Interrupted }

/// <summary>Something happened to an operation; the operation carries every step's current status.</summary>
public sealed record OperationEvent(OperationEventKind Kind, Operation Operation, int? StepIndex = null);

/// <summary>
/// In-process hooks on an operation's events (tests, metrics), awaited by the engine between steps: an
/// implementation must return at once and never talk to a chat. Chat (the console's step lines, Discord's live
/// message) is told through the outbox, written with each state change (<see cref="Outbox.OutboxAnnouncer"/>).
/// </summary>
public interface IOperationObserver
{
    Task OnEventAsync(OperationEvent operationEvent, CancellationToken cancellationToken);
}

/// <summary>No hooks.</summary>
public sealed class NoOperationObserver : IOperationObserver
{
    public static NoOperationObserver Instance { get; } = new();

    public Task OnEventAsync(OperationEvent operationEvent, CancellationToken cancellationToken) => Task.CompletedTask;
}
