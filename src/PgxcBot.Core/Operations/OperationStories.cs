using System.Globalization;
using PgxcBot.Core.Runbooks;

namespace PgxcBot.Core.Operations;

/// <summary>
/// Sentences about an operation for the people in chat: what another writer already did (the answer to the
/// loser of a race), which steps ran, whether it is past its point of no return. Pure functions of the record.
/// </summary>
public static class OperationStories
{
    /// <summary>
    /// What happened to <paramref name="operation"/>, from its record: "operation 5 was already approved by bob
    /// at 03:12:04 UTC and is running (step 3 of 8: Promote the slave on node02)". No final full stop.
    /// </summary>
    public static string WhatHappened(Operation operation)
    {
        var id = operation.Id;
        var started = operation.Decisions.LastOrDefault(d => d.Kind is DecisionKind.Approved or DecisionKind.Resumed or DecisionKind.Started);
        var how = started switch
        {
            { Kind: DecisionKind.Approved } d => $"approved by {Who(d.By)} at {Time(d.At)}",
            { Kind: DecisionKind.Resumed } d => $"resumed by {Who(d.By)} at {Time(d.At)}",
            { } d => $"started at {Time(d.At)}",
            // Written by an older bot, which kept no decisions: the approval fields say as much.
            null when operation.ApprovedBy is { } approver => $"approved by {approver.DisplayName} at {Time(operation.ApprovedAt ?? operation.RequestedAt)}",
            null => "started",
        };
        var last = operation.LastDecision;
        return operation.State switch
        {
            OperationState.Running => $"operation {id} was already {how} and is running ({Progress(operation)})",
            OperationState.Succeeded => $"operation {id} was already {how} and has succeeded{At(last, DecisionKind.Succeeded)}",
            OperationState.Failed => $"operation {id} was already {how} and has failed{At(last, DecisionKind.Failed)}: {operation.Result}",
            OperationState.Interrupted => $"operation {id} was {how} and was interrupted{At(last, DecisionKind.Interrupted)} ({Progress(operation)}); /pgxc history says why",
            OperationState.Cancelled when last is { Kind: DecisionKind.Expired } e => $"operation {id} expired unapproved at {Time(e.At)}; nothing ran",
            OperationState.Cancelled when last is { Kind: DecisionKind.Cancelled or DecisionKind.Abandoned } c =>
                $"operation {id} was already {(c.Kind == DecisionKind.Abandoned ? "abandoned" : "cancelled")} by {Who(c.By)} at {Time(c.At)}: {operation.Result}",
            OperationState.Cancelled => $"operation {id} was already cancelled: {operation.Result}",
            OperationState.AwaitingApproval when last is { Kind: DecisionKind.Replanned } r =>
                $"operation {id} has a newer plan ({operation.Nonce}, made at {Time(r.At)} when the cluster changed), awaiting its own approval",
            OperationState.AwaitingApproval => $"operation {id} is awaiting approval (plan {operation.Nonce})",
            _ => $"operation {id} is about to start",
        };
    }

    /// <summary>"step 3 of 8: Promote the slave on node02", or "5 of 8 steps done".</summary>
    public static string Progress(Operation operation)
    {
        var running = operation.Steps.FirstOrDefault(s => s.Status == StepStatus.Running);
        if (running is not null) return $"step {running.Index + 1} of {operation.Steps.Count}: {running.Title}";
        var done = operation.Steps.Count(s => s.Status is StepStatus.Succeeded or StepStatus.Skipped);
        return $"{done} of {operation.Steps.Count} steps done";
    }

    /// <summary>
    /// Every step that ran or started, in order, with how it ended: "1. Fence: stop the old master (done);
    /// 2. Fence: make ... (started, outcome unknown)". "no step ran" when none did.
    /// </summary>
    public static string StepsThatRan(Operation operation)
    {
        var ran = operation.Steps.Where(s => s.Status != StepStatus.Pending).Select(s => $"{s.Index + 1}. {s.Title} ({StatusWord(s.Status)})").ToArray();
        return ran.Length == 0 ? "no step ran" : string.Join("; ", ran);
    }

    /// <summary>
    /// The first step marked <see cref="RunbookStep.PointOfNoReturn"/> that ran or may have (running, done or
    /// failed half-way), or null. Skipped does not count: its effect was there before the operation.
    /// </summary>
    public static StepRecord? PointOfNoReturnPassed(Operation operation) =>
        operation.Steps.FirstOrDefault(s => s.Index < operation.Plan.Steps.Count && operation.Plan.Steps[s.Index].PointOfNoReturn
                                            && s.Status is StepStatus.Running or StepStatus.Succeeded or StepStatus.Failed);

    /// <summary>How a step ended, in two or three words.</summary>
    public static string StatusWord(StepStatus status) => status switch
    {
        StepStatus.Succeeded => "done",
        StepStatus.Skipped => "already done",
        StepStatus.Failed => "FAILED",
        StepStatus.Running => "started, outcome unknown",
        _ => "not started",
    };

    /// <summary>"03:12:04 UTC".</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    private static string Who(Actor? actor) => actor?.DisplayName ?? "the bot";

    private static string At(OperationDecision? last, DecisionKind kind) => last?.Kind == kind ? $" at {Time(last.At)}" : "";
}
