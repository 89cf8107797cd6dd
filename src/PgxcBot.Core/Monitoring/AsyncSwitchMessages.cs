using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Operations;

namespace PgxcBot.Core.Monitoring;

/// <summary>The words of the monitor's automatic async switch and sync switch: when the slave was lost, when commits
/// were released, how long they were blocked, and what comes next.</summary>
public static class AsyncSwitchMessages
{
    /// <summary>The async switch succeeded: commits flow again; what the pair lacks now and what comes next.</summary>
    public static ChatMessage SwitchedToAsync(AlertCandidate slaveLost, AsyncSwitchRecord record, AutomationPolicy syncSwitch)
    {
        var name = record.Datanode;
        var released = IncidentMessages.Clock(record.ReleasedAt!.Value);
        var lines = new List<string>(slaveLost.Sentences);
        if (record.NoCommitWaited)
        {
            // Say only what is true: the slave stopped answering, nobody was writing, nothing was blocked.
            lines.Add($"The slave of {name} has been unresponsive since about {IncidentMessages.Clock(record.LostAt)} UTC ({record.LostEvidence}). " +
                      $"No commit was waiting for it: the bot switched {name} to asynchronous replication{Op(record.OperationId)} at {released} UTC, so the next commit does not wait either.");
        }
        else
        {
            var blocked = record.BlockedFor is { } span ? Humanize.Duration(span) : "an unknown time";
            var first = record.FirstWaitAt is { } at ? $"from {IncidentMessages.Clock(at)} UTC (the first waiting commit)" : $"from about {IncidentMessages.Clock(record.LostAt)} UTC";
            lines.Add($"Commits on {name} waited for the lost synchronous slave {first}; the slave has been unresponsive since about {IncidentMessages.Clock(record.LostAt)} UTC ({record.LostEvidence}). " +
                      $"The bot switched {name} to asynchronous replication{Op(record.OperationId)}; commits flow again since {released} UTC: they were blocked for about {blocked}.");
        }
        lines.Add($"Until the slave is back, {name} has no standby: if its master fails now, {name} is down and the commits since the loss exist only on the master.");
        lines.Add(syncSwitch switch
        {
            AutomationPolicy.Auto => "When the slave streams again and has caught up, the bot re-enables sync by itself and says so.",
            AutomationPolicy.Ask => "When the slave streams again and has caught up, the bot offers to re-enable sync.",
            _ => $"When the slave is back, re-enable sync with /pgxc sync {name}.",
        });
        if (slaveLost.NextStep.Length > 0) lines.Add("Next: " + slaveLost.NextStep);
        var fields = new List<MessageField> { new("Slave unresponsive since", IncidentMessages.Clock(record.LostAt) + " UTC", Inline: true) };
        if (record.NoCommitWaited)
        {
            fields.Add(new MessageField("Switched to async", released + " UTC", Inline: true));
            fields.Add(new MessageField("Commits blocked", "none waited", Inline: true));
        }
        else
        {
            fields.Add(new MessageField("Commits released", released + " UTC", Inline: true));
            fields.Add(new MessageField("Blocked for", record.BlockedFor is { } b ? Humanize.Duration(b) : "unknown", Inline: true));
        }
        var title = record.NoCommitWaited
            ? $"{name}: slave unresponsive, switched to async (no commit waited)"
            : $"{name}: slave lost, switched to async, commits released";
        // The picture of the last hour's lag goes with it: how the slave fell behind, and when the bot acted.
        return new ChatMessage(title, Severity.Warning, fields, lines, [], slaveLost.Actions)
        {
            Picture = new Charts.PictureRequest(Charts.PictureKind.Lag, name, TimeSpan.FromHours(1)),
        };
    }

    /// <summary>The automatic async switch failed: commits still wait; when it retries.</summary>
    public static ChatMessage AsyncSwitchFailed(AlertCandidate blocked, AsyncSwitchRecord record, MonitorOperationOutcome outcome, TimeSpan retry) => new(
        $"{record.Datanode}: commits are blocked and the automatic switch to async FAILED", Severity.Critical,
        [new MessageField("Blocked since", IncidentMessages.Clock(record.LostAt) + " UTC", Inline: true)],
        [
            $"The synchronous slave of {record.Datanode} is lost ({record.LostEvidence}), so every commit on its master waits.",
            $"The bot tried to switch {record.Datanode} to asynchronous replication{Op(outcome.OperationId)} and it did not work: {outcome.Summary}",
            $"It retries in {Humanize.Duration(retry)}. Do it now with /pgxc async {record.Datanode}, or fix the cause above.",
        ],
        [], blocked.Actions);

    /// <summary>Policy ask: commits are blocked; a button runs the async switch.</summary>
    public static ChatMessage AskToSwitchToAsync(AlertCandidate blocked, AsyncSwitchRecord record) => new(
        blocked.Title, Severity.Critical,
        [new MessageField("Since", IncidentMessages.Clock(record.LostAt) + " UTC", Inline: true)],
        [.. blocked.Sentences,
            $"Every commit on {record.Datanode} waits until the slave is back or the pair is switched to async (alerts.degradePolicy is ask, so the bot does not switch by itself).",
            $"Next: /pgxc async {record.Datanode}"],
        [], [new ChatAction("Switch to async", $"/pgxc async {record.Datanode}", OperationKinds.Async.ButtonStyle)]);

    /// <summary>Policy ask: the slave has caught up; a button runs the sync switch.</summary>
    public static ChatMessage AskToSwitchToSync(string datanode, long behindBytes) => new(
        $"{datanode}: slave caught up, sync can be re-enabled", Severity.Info, [],
        [$"The slave of {datanode} streams again and is {Humanize.Bytes(behindBytes)} behind. {datanode} still replicates asynchronously since the bot switched it: a master failure may lose the last commits.",
            $"Next: /pgxc sync {datanode}"],
        [], [new ChatAction("Sync", $"/pgxc sync {datanode}", OperationKinds.Sync.ButtonStyle)]);

    /// <summary>The one all-clear of a slave the bot switched to async: it streams, has caught up, and is synchronous again.</summary>
    public static ChatMessage SwitchedToSync(AsyncSwitchRecord record, MonitorOperationOutcome outcome) => new(
        $"{record.Datanode}: back in sync", Severity.Ok,
        [new MessageField("Sync since", IncidentMessages.Clock(outcome.FinishedAt) + " UTC", Inline: true),
            new MessageField("Async for", Humanize.Duration(outcome.FinishedAt - (record.ReleasedAt ?? record.LostAt)), Inline: true)],
        [$"The slave of {record.Datanode} streams and has caught up, so the bot re-enabled synchronous replication{Op(outcome.OperationId)}. Commits wait for the slave again: a master failure now loses no acknowledged commit.",
            "This is the all-clear of the slave-lost incident: the slave is back and nothing more needs doing."],
        [], []);

    /// <summary>The automatic sync switch failed: the pair stays async; when it retries.</summary>
    public static ChatMessage SyncSwitchFailed(AsyncSwitchRecord record, MonitorOperationOutcome outcome, TimeSpan retry) => new(
        $"{record.Datanode}: re-enabling sync failed", Severity.Warning, [],
        [$"The slave of {record.Datanode} is back, but switching to sync{Op(outcome.OperationId)} did not work: {outcome.Summary}",
            $"{record.Datanode} stays asynchronous; the bot tries again in {Humanize.Duration(retry)}, or run /pgxc sync {record.Datanode}."],
        [], [new ChatAction("Sync", $"/pgxc sync {record.Datanode}", OperationKinds.Sync.ButtonStyle)]);

    private static string Op(long? id) => id is { } n ? $" (operation {n})" : "";
}
