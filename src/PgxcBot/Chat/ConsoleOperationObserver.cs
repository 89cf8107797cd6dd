using PgxcBot.Cli;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Runbooks;

namespace PgxcBot.Chat;

/// <summary>Live progress on the console: one line per step as it starts and ends.</summary>
public sealed class ConsoleOperationObserver(CliIo io) : IOperationObserver
{
    public async Task OnEventAsync(OperationEvent operationEvent, CancellationToken cancellationToken)
    {
        var operation = operationEvent.Operation;
        var line = operationEvent.Kind switch
        {
            OperationEventKind.Started => $"-- operation {operation.Id}: {operation.Kind} {operation.Datanode} running ({operation.Steps.Count} steps)",
            OperationEventKind.StepStarted when operationEvent.StepIndex is { } i => $"   [..] {operation.Steps[i].Title}",
            OperationEventKind.StepFinished when operationEvent.StepIndex is { } i => Finished(operation.Steps[i]),
            OperationEventKind.Interrupted => $"-- operation {operation.Id}: {operation.Result}",
            _ => null,
        };
        if (line is null) return;
        await io.Out.WriteLineAsync(line.AsMemory(), cancellationToken);
        await io.Out.FlushAsync(cancellationToken);
    }

    private static string Finished(StepRecord step)
    {
        var took = step is { StartedAt: { } s, EndedAt: { } e } ? $" ({Core.Assessment.Humanize.Duration(e - s)})" : "";
        var marker = step.Status switch
        {
            StepStatus.Succeeded => "[ok]",
            StepStatus.Skipped => "[ok, already done]",
            _ => "[FAILED]",
        };
        return $"   {marker} {step.Title}{took}: {step.Summary}";
    }
}
