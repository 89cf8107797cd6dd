using PgxcBot.Core.Assessment;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Runbooks;

namespace PgxcBot.Core.Messages;

/// <summary>Live progress for a terminal, which cannot edit what it printed: one line per step as it starts and ends.</summary>
public static class OperationProgressLines
{
    /// <summary>The line for <paramref name="operationEvent"/>, or null when a terminal prints nothing for it (the
    /// command's own answer says it: awaiting approval, finished).</summary>
    public static string? For(OperationEvent operationEvent)
    {
        ArgumentNullException.ThrowIfNull(operationEvent);
        var operation = operationEvent.Operation;
        return operationEvent.Kind switch
        {
            OperationEventKind.Started => $"-- operation {operation.Id}: {operation.Kind} {operation.Datanode} running ({operation.Steps.Count} steps)",
            OperationEventKind.StepStarted when operationEvent.StepIndex is { } i => $"   [..] {operation.Steps[i].Title}",
            OperationEventKind.StepFinished when operationEvent.StepIndex is { } i => Finished(operation.Steps[i]),
            OperationEventKind.Interrupted => $"-- operation {operation.Id}: {operation.Result}",
            _ => null,
        };
    }

    private static string Finished(StepRecord step)
    {
        var took = step is { StartedAt: { } s, EndedAt: { } e } ? $" ({Humanize.Duration(e - s)})" : "";
        var marker = step.Status switch
        {
            StepStatus.Succeeded => "[ok]",
            StepStatus.Skipped => "[ok, already done]",
            _ => "[FAILED]",
        };
        return $"   {marker} {step.Title}{took}: {step.Summary}";
    }
}
