using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Operations;

namespace PgxcBot.Core.Monitoring;

/// <summary>The words of the automatic failover: the announcement with its Cancel button, why it will not
/// happen, that it was cancelled because the master came back, and how it ended.</summary>
public static class FailoverMessages
{
    public static ChatMessage Announced(string datanode, long operationId, TimeSpan grace, DateTimeOffset due, string fencing) => new(
        $"{datanode}: automatic failover in {Humanize.Duration(grace)}", Severity.Critical,
        [
            new MessageField("Promote at", IncidentMessages.Clock(due) + " UTC", Inline: true),
            new MessageField("Operation", operationId.ToString(System.Globalization.CultureInfo.InvariantCulture), Inline: true),
        ],
        [
            $"The master of {datanode} is lost and its slave was the synchronous standby: promoting it loses no acknowledged commit.",
            $"{fencing} The promote fences the old master first (stopped, and marked to restart read-only), then promotes the slave and repoints every coordinator.",
            $"alerts.autoFailover is on: unless someone presses Cancel, the bot promotes at {IncidentMessages.Clock(due)} UTC (operation {operationId}). If the master answers again before then, the bot cancels by itself.",
            $"Next: wait, or stop it with /pgxc cancel {operationId} (e.g. if you are bringing the master back yourself).",
        ],
        [], [new ChatAction("Cancel", $"/pgxc cancel {operationId}", ActionStyle.Primary)]);

    /// <param name="step">The advised step for the lost master (its command and label say whether it accepts data loss).</param>
    public static ChatMessage Declined(string datanode, string reason, Advice.NextStep? step = null)
    {
        step ??= Advice.NextStep.Run($"/pgxc promote {datanode}", "Promote");
        return new ChatMessage($"{datanode}: no automatic failover", Severity.Critical, [],
            [
                $"alerts.autoFailover is on, but the bot will not promote {datanode} by itself: {reason.TrimEnd('.')}.",
                "It fails over only when the slave was in sync and the old master can be fenced. A person decides: bring the master back, or promote (the button starts the approval flow; the plan states what would be lost).",
                $"Next: {step.Text}",
            ],
            [], step.Command is { } command ? [new ChatAction(step.Label ?? "Promote", command, OperationKinds.ButtonStyleFor(command, approvesKind: null, otherwise: ActionStyle.Danger))] : []);
    }

    public static ChatMessage CancelledMasterBack(string datanode, long? operationId, bool succeeded, string summary) => succeeded
        ? new ChatMessage($"{datanode}: automatic failover cancelled, the master is back", Severity.Warning, [],
            [
                $"The master of {datanode} answers again before the grace period ended, so the bot cancelled operation {operationId}: nothing was promoted.",
                "Find out why it was unreachable (logs, load, network) before it happens again.",
            ], [], [])
        : new ChatMessage($"{datanode}: the master is back, but cancelling the automatic failover failed", Severity.Critical, [],
            [
                $"The master of {datanode} answers again, and the bot could not cancel operation {operationId}: {summary}",
                $"Next: /pgxc cancel {operationId}, then /pgxc status.",
            ], [], [new ChatAction("Cancel", $"/pgxc cancel {operationId}", ActionStyle.Primary)]);

    public static ChatMessage Promoted(string datanode, MonitorOperationOutcome outcome) => new(
        $"{datanode}: failed over automatically", Severity.Warning,
        [new MessageField("Promoted at", IncidentMessages.Clock(outcome.FinishedAt) + " UTC", Inline: true)],
        [
            $"Nobody cancelled within the grace period and the master was still lost, so the bot promoted the in-sync slave of {datanode} (operation {outcome.OperationId}): {outcome.Summary}",
            $"The old master is fenced. {datanode} has no standby now: if the new master fails, {datanode} is down.",
            $"Next: /pgxc rebuild {datanode} (the old master becomes the new slave)",
        ],
        [], [new ChatAction("Rebuild", $"/pgxc rebuild {datanode}", OperationKinds.Rebuild.ButtonStyle)]);

    public static ChatMessage NotDone(string datanode, long? operationId, MonitorOperationOutcome outcome) => new(
        $"{datanode}: automatic failover did not complete", Severity.Critical, [],
        [
            $"The bot did not complete the promote of {datanode} (operation {operationId}): {outcome.Summary}",
            "It does not try again by itself: a person decides.",
            $"Next: /pgxc status, then /pgxc promote {datanode} or /pgxc resume {operationId} (see /pgxc history).",
        ],
        [], [new ChatAction("Status", "/pgxc status", ActionStyle.Secondary)]);
}
