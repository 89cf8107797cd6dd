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
        [new ChatAction($"Request {plan.Kind}", $"/pgxc {plan.Kind} {plan.Datanode}", ActionStyle.Primary)]);

    /// <summary>The operation as it stands: awaiting approval (with buttons), running, or finished.</summary>
    public static ChatMessage Build(Operation operation)
    {
        var lines = new List<string> { operation.Plan.Summary };
        lines.AddRange(operation.Plan.Warnings.Select(w => "! " + w));
        lines.Add("");
        lines.AddRange(StepLines(operation.Plan, operation));
        if (operation.Result is not null)
        {
            lines.Add("");
            lines.Add(operation.State switch
            {
                OperationState.Succeeded => "Result: " + operation.Result,
                _ => $"Result ({StateWord(operation.State)}): {operation.Result}",
            });
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
                $"/pgxc approve {operation.Id} --plan {operation.Nonce}{acks}", operation.Kind is "promote" or "switchover" or "stop" or "rebuild" ? ActionStyle.Danger : ActionStyle.Success));
            actions.Add(new ChatAction("Cancel", $"/pgxc cancel {operation.Id}", ActionStyle.Secondary));
        }
        else if (operation.State is OperationState.Interrupted or OperationState.Failed)
        {
            actions.Add(new ChatAction("Resume", $"/pgxc resume {operation.Id}", ActionStyle.Primary));
        }

        var tables = RepointTable(operation) is { } table ? new[] { table } : [];
        return new ChatMessage(
            $"Operation {operation.Id}: {operation.Kind} {operation.Datanode} - {StateWord(operation.State)}",
            SeverityOf(operation), fields, lines, tables, actions);
    }

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
                if (record.Status == StepStatus.Failed && record.Output is { Length: > 0 } output)
                    yield return "     output: " + output.ReplaceLineEndings(" | ");
            }
        }
    }

    /// <summary>Per coordinator and per datanode catalog: ok or the error.</summary>
    private static MessageTable? RepointTable(Operation operation)
    {
        var rows = operation.Steps
            .Where(s => s.StepId.StartsWith("repoint-", StringComparison.Ordinal) && s.Status != StepStatus.Pending)
            .Select(s => (IReadOnlyList<string>)[
                s.StepId.StartsWith("repoint-catalog-", StringComparison.Ordinal) ? s.StepId["repoint-catalog-".Length..] + " (catalog)" : s.StepId["repoint-".Length..],
                s.Status switch { StepStatus.Succeeded => "ok", StepStatus.Skipped => "ok (already)", StepStatus.Running => "running", _ => "FAILED" },
                s.Status is StepStatus.Failed ? s.Summary ?? "" : ""])
            .ToArray();
        return rows.Length == 0 ? null : new MessageTable(["repointed", "result", "error"], rows);
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
