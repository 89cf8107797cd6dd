using System.Globalization;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Runbooks;

namespace PgxcBot.Core.Messages;

/// <summary>
/// Plans, progress and results of operations as chat-neutral messages. The same message is printed by the
/// console and edited in place by Discord as steps finish.
/// </summary>
public static class OperationMessageBuilder
{
    /// <summary>A plan, before anything runs: <c>/pgxc plan ...</c> (no operation yet).</summary>
    public static ChatMessage Preview(Runbook plan) => new(
        $"Plan: {plan.Kind} {plan.Datanode} (nothing has run)",
        Severity.Info,
        [],
        [plan.Summary, .. plan.Warnings.Select(w => "! " + w), "", .. StepLines(plan, null)],
        [],
        [new ChatAction($"Request {plan.Kind}", $"/pgxc {plan.Kind} {plan.Datanode}", StyleOf(plan.Kind))])
    {
        Compact = [plan.Summary, .. plan.Warnings.Select(w => "! " + w), "", .. CompactSteps(plan, null)],
        AttachmentName = $"plan-{plan.Kind}-{plan.Datanode}.txt",
    };

    /// <summary>The operation as it stands: awaiting approval (with buttons), running, or finished.</summary>
    public static ChatMessage Build(Operation operation)
    {
        var lines = new List<string> { operation.Plan.Summary };
        lines.AddRange(operation.Plan.Warnings.Select(w => "! " + w));
        lines.Add("");
        lines.AddRange(StepLines(operation.Plan, operation));
        var result = ResultLine(operation);
        if (result is not null)
        {
            lines.Add("");
            lines.Add(result);
        }

        var fields = new List<MessageField> { new("Requested by", $"{operation.RequestedBy.DisplayName} at {Time(operation.RequestedAt)}", Inline: true) };
        if (operation.ApprovedBy is { } approver)
            fields.Add(new MessageField("Approved by", $"{approver.DisplayName} at {Time(operation.ApprovedAt!.Value)}", Inline: true));
        else if (operation.State == OperationState.AwaitingApproval && operation.ApprovalExpiresAt is { } expires)
            fields.Add(new MessageField("Approve before", Time(expires), Inline: true));
        fields.Add(new MessageField("Plan", operation.Nonce, Inline: true));

        var actions = new List<ChatAction>();
        if (operation.State == OperationState.AwaitingApproval)
        {
            var acks = string.Concat(operation.Plan.Acknowledgements.Select(a => " --" + a));
            actions.Add(new ChatAction(operation.Plan.Acknowledgements.Count == 0 ? "Approve" : "Approve (" + string.Join(", ", operation.Plan.Acknowledgements) + ")",
                $"/pgxc approve {operation.Id} --plan {operation.Nonce}{acks}", StyleOf(operation.Kind)));
            actions.Add(new ChatAction("Cancel", $"/pgxc cancel {operation.Id}", ActionStyle.Secondary));
        }
        else if (operation.State is OperationState.Interrupted or OperationState.Failed)
        {
            actions.Add(new ChatAction("Resume", $"/pgxc resume {operation.Id}", ActionStyle.Primary));
        }

        var tables = RepointTable(operation) is { } table ? new[] { table } : [];
        var partial = PartialSuccess(operation);
        var compact = new List<string> { operation.Plan.Summary };
        compact.AddRange(operation.Plan.Warnings.Select(w => "! " + w));
        compact.Add("");
        compact.AddRange(CompactSteps(operation.Plan, operation));
        if (result is not null) compact.AddRange(["", result]);
        return new ChatMessage(
            $"Operation {operation.Id}: {operation.Kind} {operation.Datanode} - {partial ?? StateWord(operation.State)}",
            partial is null ? SeverityOf(operation) : Severity.Warning, fields, lines, tables, actions)
        {
            Compact = compact,
            AttachmentName = $"operation-{operation.Id}-{operation.Nonce}.txt",
        };
    }

    /// <summary>
    /// A promote (or repoint) whose only failures are repoints that let the others go on: the new master works,
    /// so the title says what was done and what is left ("promoted; 1 of 4 repoints failed: /pgxc repoint
    /// datanode1"), not "failed". Null for anything else.
    /// </summary>
    private static string? PartialSuccess(Operation operation)
    {
        if (operation.State != OperationState.Failed || OperationKinds.Find(operation.Kind) is not { FinishedByRepoint: true }) return null;
        var failed = operation.Steps.Where(s => s.Status == StepStatus.Failed).ToArray();
        if (failed.Length == 0 || failed.Any(s => !IsRepoint(s) || operation.Plan.Steps[s.Index].OnFailure != OnFailure.Continue)) return null;
        if (operation.Steps.Any(s => s.Status is StepStatus.Pending or StepStatus.Running)) return null;
        var repoints = operation.Steps.Count(IsRepoint);
        // A promote made the slave master before its repoints (the old master is fenced); a repoint only repointed.
        var done = OperationKinds.Find(operation.Kind)?.Leaves == PairOutcome.OldMasterFenced ? "promoted" : $"{repoints - failed.Length} of {repoints} repointed";
        return $"{done}; {failed.Length} of {repoints} repoints failed: /pgxc repoint {operation.Datanode}";
    }

    /// <summary>Request and Approve buttons take the kind's one colour (<see cref="OperationKind.ButtonStyle"/>).</summary>
    private static ActionStyle StyleOf(string kind) => OperationKinds.Find(kind)?.ButtonStyle ?? ActionStyle.Primary;

    private static bool IsRepoint(StepRecord step) => step.StepId.StartsWith("repoint-", StringComparison.Ordinal);

    /// <summary>The result, without repeating what a step line already shows: a failed step's error is said
    /// once, under the step.</summary>
    private static string? ResultLine(Operation operation)
    {
        if (operation.Result is not { } result) return null;
        foreach (var step in operation.Steps.Where(s => s.Status == StepStatus.Failed && s.Summary is { Length: > 40 }))
            result = result.Replace(step.Summary!, $"see step {step.Index + 1}", StringComparison.Ordinal);
        return operation.State switch
        {
            OperationState.Succeeded => "Result: " + result,
            _ => $"Result ({StateWord(operation.State)}): {result}",
        };
    }

    /// <summary>One line per step (title, where, how it went); consecutive repoint steps that stand alike are one
    /// line, so a cluster of many coordinators still fits a chat message. The full form is attached.</summary>
    private static IEnumerable<string> CompactSteps(Runbook plan, Operation? operation)
    {
        var lines = new List<string>();
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            var record = operation?.Steps[i];
            var marker = record is null ? "" : StepMarker(record.Status) + " ";
            var j = i;
            while (j + 1 < plan.Steps.Count && plan.Steps[j + 1].Id.StartsWith("repoint-", StringComparison.Ordinal) && plan.Steps[i].Id.StartsWith("repoint-", StringComparison.Ordinal)
                   && (operation is null || operation.Steps[j + 1].Status == record!.Status))
                j++;
            if (j - i >= 2)
            {
                var names = string.Join(", ", Enumerable.Range(i, j - i + 1).Select(k => RepointName(plan.Steps[k].Id)));
                lines.Add($"{i + 1}-{j + 1}. {marker}Repoint {j - i + 1} targets at the new master: {names}");
                i = j;
                continue;
            }
            var failed = record is { Status: StepStatus.Failed, Summary: { } why } ? $": {why}" : "";
            lines.Add($"{i + 1}. {marker}{plan.Steps[i].Title} - {plan.Steps[i].Where}{failed}");
        }
        return lines;
    }

    private static string RepointName(string stepId) =>
        stepId.StartsWith("repoint-catalog-", StringComparison.Ordinal) ? stepId["repoint-catalog-".Length..] + " (catalog)" : stepId["repoint-".Length..];

    /// <summary>A refusal: what was refused, why, and what to do instead.</summary>
    public static ChatMessage Refused(OperationReply reply, string what)
    {
        var lines = new List<string> { reply.Refusal! };
        if (reply.NextStep is not null) lines.Add("Next: " + reply.NextStep);
        if (reply is { PlanChanged: true, Operation: { } operation })
            return Build(operation) with { Title = $"Operation {operation.Id}: plan changed, approve again", Lines = [.. lines, "", .. Build(operation).Lines] };
        return ChatMessage.Simple($"{what}: refused", Severity.Warning, [.. lines]);
    }

    /// <summary>Past operations, newest first, with who asked and who approved when, and any data loss accepted;
    /// the refused commands; and (for one datanode) its recent state changes.</summary>
    public static ChatMessage History(IReadOnlyList<Operation> operations, string? datanode, IReadOnlyList<PairTransition> transitions,
        IReadOnlyList<OperationRefusal>? refusals = null)
    {
        var lines = new List<string>();
        if (operations.Count == 0) lines.Add("No operations yet.");
        foreach (var o in operations)
        {
            var approval = o.ApprovedBy is null ? "" : $"; approved by {o.ApprovedBy.DisplayName} at {Time(o.ApprovedAt ?? o.RequestedAt)}";
            var flags = o.Flags.Count == 0 ? "" : " with " + string.Join(" ", o.Flags.Select(f => "--" + f));
            lines.Add($"#{o.Id} {o.Kind} {o.Datanode}{flags}: {StateWord(o.State)} (asked by {o.RequestedBy.DisplayName} at {Time(o.RequestedAt)}{approval})");
            foreach (var loss in o.Plan.Warnings.Where(w => w.StartsWith("DATA LOSS", StringComparison.Ordinal)))
                lines.Add($"    ! {loss}");
            foreach (var step in o.Steps.Where(s => s.Status != StepStatus.Pending))
                lines.Add($"    {StepMarker(step.Status)} {step.Title}{(step.Summary is null ? "" : ": " + step.Summary)}");
            if (o.Result is not null) lines.Add("    " + o.Result);
        }
        if (refusals is { Count: > 0 })
        {
            lines.Add("");
            lines.Add("Refused:");
            foreach (var r in refusals)
                lines.Add($"  {Time(r.At)} {r.Actor.DisplayName}: {r.Command} refused: {r.Reason}{(r.NextStep is null ? "" : $" (next: {r.NextStep})")}");
        }
        if (datanode is not null && transitions.Count > 0)
        {
            lines.Add("");
            lines.Add($"State changes of {datanode}:");
            lines.AddRange(transitions.Select(t => $"  {Time(t.At)} {t.From} -> {t.To}: {t.Reason}"));
        }
        return new ChatMessage(datanode is null ? "History" : $"History of {datanode}", Severity.Info, [], lines, [], []);
    }

    private static IEnumerable<string> StepLines(Runbook plan, Operation? operation)
    {
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            var step = plan.Steps[i];
            var record = operation?.Steps[i];
            var marker = record is null ? $"{i + 1}." : $"{i + 1}. {StepMarker(record.Status)}";
            var took = record is { StartedAt: { } s, EndedAt: { } e } ? $" ({Humanize.Duration(e - s)})" : "";
            yield return $"{marker} {step.Title} - {step.Where}{took}";
            if (record is null || record.Status == StepStatus.Pending)
            {
                foreach (var line in step.Action.Text.Split('\n')) yield return "     " + line;
                var check = step.Verify?.Description ?? "exit code";
                var rerun = step.Rerunnable ? "may re-run" : "runs once";
                yield return $"     check: {check}; timeout {Humanize.Duration(step.Timeout)}; {rerun}" +
                             (step.OnFailure == OnFailure.Continue ? "; others go on if it fails" : "");
                if (step.Undo is not null) yield return $"     undo: {step.Undo}";
            }
            else if (record.Summary is not null)
            {
                yield return "     " + record.Summary;
                // The output only when it says more than the summary (often it is the same error).
                if (record.Status == StepStatus.Failed && record.Output is { Length: > 0 } output && !record.Summary.Contains(output.Trim(), StringComparison.Ordinal))
                    yield return "     output: " + output.ReplaceLineEndings(" | ");
            }
        }
    }

    /// <summary>Per coordinator and per datanode catalog: ok, or which step says why (the error itself is said
    /// once, under its step: rows stay short enough for a phone).</summary>
    private static MessageTable? RepointTable(Operation operation)
    {
        var rows = operation.Steps
            .Where(s => IsRepoint(s) && s.Status != StepStatus.Pending)
            .Select(s => (IReadOnlyList<string>)[
                RepointName(s.StepId),
                s.Status switch
                {
                    StepStatus.Succeeded => "ok",
                    StepStatus.Skipped => "ok (already)",
                    StepStatus.Running => "running",
                    _ => $"FAILED (step {s.Index + 1})",
                }])
            .ToArray();
        return rows.Length == 0 ? null : new MessageTable(["repointed", "result"], rows);
    }

    private static Severity SeverityOf(Operation operation) => operation.State switch
    {
        OperationState.Succeeded => Severity.Ok,
        OperationState.Failed or OperationState.Interrupted => Severity.Critical,
        OperationState.AwaitingApproval when operation.Plan.Warnings.Any(w => w.StartsWith("DATA LOSS", StringComparison.Ordinal)) => Severity.Critical,
        OperationState.AwaitingApproval => Severity.Warning,
        _ => Severity.Info,
    };

    private static string StepMarker(StepStatus status) => status switch
    {
        StepStatus.Pending => "[ ]",
        StepStatus.Running => "[..]",
        StepStatus.Succeeded => "[ok]",
        StepStatus.Skipped => "[ok, already done]",
        _ => "[FAILED]",
    };

    private static string StateWord(OperationState state) => state switch
    {
        OperationState.AwaitingApproval => "awaiting approval",
        _ => state.ToString().ToLowerInvariant(),
    };

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
