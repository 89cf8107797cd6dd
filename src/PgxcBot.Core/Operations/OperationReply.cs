namespace PgxcBot.Core.Operations;

/// <summary>The answer to a request, an approval, a cancel or a resume: the operation as it now stands, or why not.</summary>
/// <param name="PlanChanged">The refusal is a re-plan at approval: <see cref="Operation"/> holds the new plan, awaiting its own approval.</param>
/// <param name="Announced">The operation's state in this reply was written to the outbox for the chat that asked
/// (its live message shows it): that chat's adapter need not show the reply itself.</param>
public sealed record OperationReply(Operation? Operation, string? Refusal, string? NextStep, string? Note = null, bool PlanChanged = false, bool Announced = false)
{
    public static OperationReply Of(Operation operation, string? note = null) => new(operation, null, null, note);
    public static OperationReply Refused(string why, string? next = null, Operation? operation = null) => new(operation, why, next);
    public bool IsRefused => Refusal is not null;
}

/// <summary>What the service tells the pair state machine when an operation changed a pair.</summary>
public interface IPairOperationSink
{
    Task OperationSucceededAsync(Operation operation, CancellationToken cancellationToken);
}
