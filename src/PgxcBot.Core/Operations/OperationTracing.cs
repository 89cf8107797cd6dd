using System.Diagnostics;
using PgxcBot.Core.Runbooks;

namespace PgxcBot.Core.Operations;

/// <summary>
/// Traces of operations (System.Diagnostics activities, which OpenTelemetry exports): one trace per run of an
/// operation (promote, rebuild, switchover, async, ...: span name = the kind), one child span per step that runs
/// (span name = the step's id, e.g. "promote-slave"). Both carry the operation id, kind and datanode; a step
/// span also its index (1-based), title, where it ran and how it ended. A failed step or operation has status
/// Error with the summary. Nothing is recorded unless a listener (an OpenTelemetry tracer provider) subscribes
/// to <see cref="SourceName"/>.
/// </summary>
public static class OperationTracing
{
    /// <summary>The ActivitySource name to subscribe to.</summary>
    public const string SourceName = "PgxcBot.Operations";

    /// <summary>Tag names (OpenTelemetry attribute names) on the operation's span and its steps' spans.</summary>
    public const string OperationIdTag = "pgxcbot.operation.id";
    public const string OperationKindTag = "pgxcbot.operation.kind";
    public const string DatanodeTag = "pgxcbot.datanode";
    public const string StepIndexTag = "pgxcbot.step.index";
    public const string StepIdTag = "pgxcbot.step.id";
    public const string StepTitleTag = "pgxcbot.step.title";
    public const string StepWhereTag = "pgxcbot.step.where";
    public const string StepStatusTag = "pgxcbot.step.status";
    public const string StepAttemptsTag = "pgxcbot.step.attempts";
    public const string OperationStateTag = "pgxcbot.operation.state";

    // One source for the process, as .NET recommends: it is immutable and thread-safe, and listeners
    // (tracer providers) choose by its name, so it holds no state of its own between operations.
    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// Starts the span of one run of <paramref name="operation"/>; null when nobody listens. It is the root of its
    /// trace unless an activity is current (none is today: chat and the monitor are not traced).
    /// </summary>
    public static Activity? StartOperation(Operation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var activity = Source.StartActivity(operation.Kind, ActivityKind.Internal);
        activity?.SetTag(OperationIdTag, operation.Id).SetTag(OperationKindTag, operation.Kind).SetTag(DatanodeTag, operation.Datanode);
        return activity;
    }

    /// <summary>Starts the span of step <paramref name="index"/> (0-based) under the current operation span; null when nobody listens.</summary>
    public static Activity? StartStep(Operation operation, int index, RunbookStep step)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(step);
        var activity = Source.StartActivity(step.Id, ActivityKind.Internal);
        activity?.SetTag(OperationIdTag, operation.Id).SetTag(OperationKindTag, operation.Kind).SetTag(DatanodeTag, operation.Datanode)
            .SetTag(StepIndexTag, index + 1).SetTag(StepIdTag, step.Id).SetTag(StepTitleTag, step.Title).SetTag(StepWhereTag, step.Where);
        return activity;
    }

    /// <summary>Records how a step ended on its span.</summary>
    public static void StepEnded(Activity? activity, StepOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (activity is null) return;
        activity.SetTag(StepStatusTag, outcome.Status.ToString()).SetTag(StepAttemptsTag, outcome.AttemptsUsed);
        if (outcome.Status == StepStatus.Failed) activity.SetStatus(ActivityStatusCode.Error, outcome.Summary);
        else activity.SetStatus(ActivityStatusCode.Ok);
    }

    /// <summary>Records how the run ended on the operation's span (Succeeded, Failed, Interrupted...).</summary>
    public static void OperationEnded(Activity? activity, Operation? ended)
    {
        if (activity is null || ended is null) return;
        activity.SetTag(OperationStateTag, ended.State.ToString());
        if (ended.State == OperationState.Succeeded) activity.SetStatus(ActivityStatusCode.Ok);
        else activity.SetStatus(ActivityStatusCode.Error, ended.Result);
    }
}
