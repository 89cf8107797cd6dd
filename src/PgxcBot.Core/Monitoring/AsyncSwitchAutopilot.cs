using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Operations;

namespace PgxcBot.Core.Monitoring;

/// <summary>A switch the monitor wants run now (by the host, through the operation service).</summary>
/// <param name="Kind">The operation kind: "async" (the async switch) or "sync" (the sync switch).</param>
public sealed record AsyncSwitchIntent(string Datanode, string Kind);

/// <summary>An incident to open at once with a message of its own (bypassing flap damping).</summary>
public sealed record Announcement(AlertCandidate Candidate, ChatMessage Message);

/// <summary>What one decision of <see cref="AsyncSwitchAutopilot"/> produced.</summary>
public sealed record AsyncSwitchDecision(
    IReadOnlyList<AsyncSwitchIntent> Intents,
    IReadOnlyList<Announcement> Announcements,
    IReadOnlyList<Notification> Notes,
    IReadOnlyList<AsyncSwitchRecord> Changed,
    IReadOnlyList<string> Removed)
{
    public static AsyncSwitchDecision None { get; } = new([], [], [], [], []);

    /// <summary>Incident keys to close without a message of their own: the autopilot's note is their all-clear
    /// (one recovery, one "cleared" message).</summary>
    public IReadOnlyList<string> Resolved { get; init; } = [];
}

/// <summary>
/// The runbook's "if the slave crashes, switch the master to async" done by the bot: blocked commits
/// are acted on at the first poll that sees them (policy auto), or offered as a button at once (ask);
/// once the slave the bot switched to async streams again and has caught up, the sync switch follows (sync switch
/// policy). Only pairs the bot itself switched to async are switched back to sync: a pair an operator runs
/// asynchronously stays so. The async switch is the <c>async</c> operation (it clears <c>synchronous_standby_names</c>),
/// the sync switch the <c>sync</c> operation (it names the slave again).
/// Each step's policy is its own (<see cref="AlertSettings"/>); the pair states named Degraded* are another thing:
/// what the servers show (a server lost), not what the bot did.
/// Not thread-safe; the monitor serialises calls.
/// </summary>
public sealed class AsyncSwitchAutopilot
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(30);
    private readonly AlertSettings _settings;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, AsyncSwitchRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastStreaming = new(StringComparer.Ordinal);

    /// <summary>The slave-lost alert of the poll that decided each async switch still running, by datanode (in memory:
    /// after a restart the announcement falls back to the alert as last seen).</summary>
    private readonly Dictionary<string, AlertCandidate> _decidedOn = new(StringComparer.Ordinal);

    public AsyncSwitchAutopilot(AlertSettings settings, TimeProvider time, IEnumerable<AsyncSwitchRecord>? restored = null)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        foreach (var record in restored ?? [])
        {
            // A switch that was running when the bot stopped: look again at the next poll.
            _records[record.Datanode] = record.Phase is AsyncSwitchPhase.SwitchingToAsync
                ? record with { Phase = AsyncSwitchPhase.Failed, RetryAfter = null }
                : record.Phase is AsyncSwitchPhase.SwitchingToSync ? record with { Phase = AsyncSwitchPhase.SwitchedToAsync } : record;
        }
    }

    public AsyncSwitchRecord? Find(string datanode) => _records.GetValueOrDefault(datanode);

    /// <summary>True while the async switch of <paramref name="datanode"/> runs: its commits-blocked alert
    /// would only repeat what the bot is already fixing.</summary>
    public bool IsSwitchingToAsync(string datanode) => _records.GetValueOrDefault(datanode)?.Phase == AsyncSwitchPhase.SwitchingToAsync;

    /// <summary>
    /// The slave-lost incidents whose all-clear the autopilot will give itself: pairs it switched to async whose slave
    /// streams again and that it will (or does) switch back to sync. Their incident is held (neither reminded nor
    /// cleared by the engine), and the "back in sync" message is the one all-clear.
    /// </summary>
    public IEnumerable<string> HeldKeys(ClusterAssessment assessment)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        if (_settings.SyncSwitchPolicy != AutomationPolicy.Auto) yield break;
        foreach (var pair in assessment.Pairs)
        {
            if (_records.GetValueOrDefault(pair.Datanode) is not { } record) continue;
            if (record.Phase == AsyncSwitchPhase.SwitchingToSync
                || (record.Phase == AsyncSwitchPhase.SwitchedToAsync && pair.Condition == ObservedCondition.Async))
                yield return KeyFor(pair.Datanode);
        }
    }

    /// <summary>
    /// Per poll, with every pair (those in maintenance included, which <see cref="Decide"/> does not see): what the
    /// servers showed is evidence whether or not the bot may act on it. When a window ends on a pair whose slave died
    /// during it, "unresponsive since" is the last poll that saw it stream, not the window's end.
    /// </summary>
    public void Watch(ClusterAssessment assessment)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        foreach (var pair in assessment.Pairs)
            if (pair.Condition is ObservedCondition.Sync or ObservedCondition.Async) _lastStreaming[pair.Datanode] = assessment.Snapshot.TakenAt;
    }

    /// <summary>Per poll.</summary>
    /// <param name="lagLimitBytes">Caught up means at most this far behind (the lag warning level).</param>
    /// <param name="badSince">When the stored incidents first saw a pair's slave lost (or its commits blocked), if they
    /// did: the loss time when this process never saw the slave stream (it restarted since, e.g. during a maintenance
    /// window), instead of "now".</param>
    public AsyncSwitchDecision Decide(ClusterAssessment assessment, IReadOnlyList<AlertCandidate> candidates, long lagLimitBytes,
        Func<string, DateTimeOffset?>? badSince = null)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        var now = _time.GetUtcNow();
        var intents = new List<AsyncSwitchIntent>();
        var announcements = new List<Announcement>();
        var notes = new List<Notification>();
        var changed = new List<AsyncSwitchRecord>();
        var removed = new List<string>();

        foreach (var pair in assessment.Pairs)
        {
            var name = pair.Datanode;
            var streaming = pair.Condition is ObservedCondition.Sync or ObservedCondition.Async;
            if (streaming) _lastStreaming[name] = assessment.Snapshot.TakenAt;
            var record = _records.GetValueOrDefault(name);

            if (pair.CommitsBlocked)
            {
                var mayAct = record is null || record.Phase is AsyncSwitchPhase.SwitchedToAsync
                    || (record.Phase == AsyncSwitchPhase.Failed && (record.RetryAfter is null || now >= record.RetryAfter));
                if (!mayAct || _settings.AsyncSwitchPolicy == AutomationPolicy.Off) continue;
                var (lostAt, evidence) = EstimateLoss(assessment, pair, now, badSince?.Invoke(name));
                var (firstWait, noneWaited) = FirstWait(assessment, pair, lostAt);
                var next = new AsyncSwitchRecord(name, _settings.AsyncSwitchPolicy == AutomationPolicy.Auto ? AsyncSwitchPhase.SwitchingToAsync : AsyncSwitchPhase.Offered,
                    lostAt, evidence, now, null, null, null) { FirstWaitAt = firstWait, NoCommitWaited = noneWaited };
                Keep(next, changed);
                if (next.Phase == AsyncSwitchPhase.SwitchingToAsync)
                {
                    intents.Add(new AsyncSwitchIntent(name, OperationKinds.Async.Name));
                    if (candidates.FirstOrDefault(c => c.Key == KeyFor(name)) is { } alert) _decidedOn[name] = alert;
                    else _decidedOn.Remove(name);
                }
                else if (candidates.FirstOrDefault(c => c.Subject == name && c.Kind == AlertKinds.CommitsBlocked) is { } blocked)
                    announcements.Add(new Announcement(blocked, AsyncSwitchMessages.AskToSwitchToAsync(blocked, next)));
                continue;
            }

            if (record is null) continue;
            switch (record.Phase)
            {
                case AsyncSwitchPhase.Offered:
                case AsyncSwitchPhase.Failed when pair.Condition != ObservedCondition.SlaveLost:
                    // Commits flow again (someone switched, or the slave came back): nothing left to offer.
                    Drop(name, removed);
                    break;
                case AsyncSwitchPhase.SwitchedToAsync when pair.Condition == ObservedCondition.Sync:
                    Drop(name, removed); // someone re-enabled sync already
                    break;
                case AsyncSwitchPhase.SwitchedToAsync when pair.Condition == ObservedCondition.Async
                                                && (record.RetryAfter is null || now >= record.RetryAfter)
                                                && pair.Lag?.Bytes is { } behind && behind <= lagLimitBytes:
                    switch (_settings.SyncSwitchPolicy)
                    {
                        case AutomationPolicy.Auto:
                            Keep(record with { Phase = AsyncSwitchPhase.SwitchingToSync }, changed);
                            intents.Add(new AsyncSwitchIntent(name, OperationKinds.Sync.Name));
                            break;
                        case AutomationPolicy.Ask:
                            Keep(record with { Phase = AsyncSwitchPhase.Offered }, changed);
                            notes.Add(new Notification(KeyFor(name), NotificationKind.Reminder, AsyncSwitchMessages.AskToSwitchToSync(name, behind)));
                            break;
                        default:
                            Drop(name, removed);
                            break;
                    }
                    break;
            }
        }
        return new AsyncSwitchDecision(intents, announcements, notes, changed, removed);
    }

    /// <summary>An operation this autopilot asked for has ended.</summary>
    /// <param name="slaveLost">The slave-lost alert of the pair as last seen (for the story), if any; an async switch this
    /// autopilot decided tells the alert of the poll that decided it instead.</param>
    public AsyncSwitchDecision Completed(AsyncSwitchIntent intent, MonitorOperationOutcome outcome, AlertCandidate? slaveLost)
    {
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(outcome);
        var record = _records.GetValueOrDefault(intent.Datanode);
        if (record is null) return AsyncSwitchDecision.None;
        var now = _time.GetUtcNow();
        var changed = new List<AsyncSwitchRecord>();
        var removed = new List<string>();
        var announcements = new List<Announcement>();
        var notes = new List<Notification>();

        if (intent.Kind == OperationKinds.Async.Name)
        {
            // The evidence the switch was decided on is what the announcement cites: a later poll may show less (once
            // no commit waits, the commit watch's measured silence no longer counts, and a frozen slave can look
            // streaming to a poll less than half a second after the previous one).
            if (_decidedOn.Remove(intent.Datanode, out var decidedOn)) slaveLost = decidedOn;
            if (outcome.Succeeded)
            {
                var done = record with { Phase = AsyncSwitchPhase.SwitchedToAsync, ReleasedAt = outcome.FinishedAt, OperationId = outcome.OperationId };
                Keep(done, changed);
                var candidate = slaveLost ?? new AlertCandidate(intent.Datanode, AlertKinds.SlaveLost, Severity.Warning,
                    AlertRules.Title(intent.Datanode, AlertKinds.SlaveLost), [], "/pgxc status", []);
                announcements.Add(new Announcement(candidate, AsyncSwitchMessages.SwitchedToAsync(candidate, done, _settings.SyncSwitchPolicy)));
            }
            else
            {
                var failed = record with { Phase = AsyncSwitchPhase.Failed, RetryAfter = now + RetryDelay, OperationId = outcome.OperationId };
                Keep(failed, changed);
                var candidate = new AlertCandidate(intent.Datanode, AlertKinds.CommitsBlocked, Severity.Critical,
                    AlertRules.Title(intent.Datanode, AlertKinds.CommitsBlocked), [], $"/pgxc async {intent.Datanode}",
                    [new ChatAction("Async", $"/pgxc async {intent.Datanode}", OperationKinds.Async.ButtonStyle)]);
                announcements.Add(new Announcement(candidate, AsyncSwitchMessages.AsyncSwitchFailed(candidate, failed, outcome, RetryDelay)));
            }
        }
        else if (outcome.Succeeded)
        {
            Drop(intent.Datanode, removed);
            notes.Add(new Notification(KeyFor(intent.Datanode), NotificationKind.Cleared, AsyncSwitchMessages.SwitchedToSync(record, outcome)));
            return new AsyncSwitchDecision([], announcements, notes, changed, removed) { Resolved = [KeyFor(intent.Datanode)] };
        }
        else
        {
            Keep(record with { Phase = AsyncSwitchPhase.SwitchedToAsync, RetryAfter = now + RetryDelay * 2 }, changed);
            notes.Add(new Notification(KeyFor(intent.Datanode), NotificationKind.Reminder, AsyncSwitchMessages.SyncSwitchFailed(record, outcome, RetryDelay * 2)));
        }
        return new AsyncSwitchDecision([], announcements, notes, changed, removed);
    }

    /// <summary>The incident key the async switch messages belong to: the pair's slave-lost incident.</summary>
    public static string KeyFor(string datanode) => $"{datanode}/{AlertKinds.SlaveLost}";

    private (DateTimeOffset At, string Evidence) EstimateLoss(ClusterAssessment assessment, PairAssessment pair, DateTimeOffset now, DateTimeOffset? badSince)
    {
        var observed = assessment.Snapshot.Pairs.FirstOrDefault(p => p.Datanode == pair.Datanode);
        var master = observed?.Master.Facts;
        var frozenRow = pair.Problems.Any(p => p.Code == ProblemCodes.SlaveFrozen)
            ? master?.Replication.Where(r => r.State == "streaming" && r.ReplyTime is not null).MaxBy(r => r.ReplyTime)
            : null;
        if (frozenRow?.ReplyTime is { } reply && reply <= now)
            return (reply, $"the slave's last reply to the master came at {IncidentMessages.Clock(reply)} UTC");
        if (_lastStreaming.TryGetValue(pair.Datanode, out var seen) && seen < assessment.Snapshot.TakenAt)
            return (seen, $"the last poll that saw the slave streaming was at {IncidentMessages.Clock(seen)} UTC");
        if (badSince is { } first && first < assessment.Snapshot.TakenAt)
            return (first, $"the bot first saw it lost at {IncidentMessages.Clock(first)} UTC");
        return (assessment.Snapshot.TakenAt, $"the bot first saw it at {IncidentMessages.Clock(assessment.Snapshot.TakenAt)} UTC");
    }

    /// <summary>
    /// When the first commit started waiting for the lost slave: now minus the oldest waiter's age (9.6+ says it),
    /// else (9.x, waiters seen in process titles) the estimated loss; null with <c>true</c> when the master shows
    /// that no commit waits at all (a frozen slave nobody wrote to).
    /// </summary>
    private static (DateTimeOffset? At, bool NoneWaited) FirstWait(ClusterAssessment assessment, PairAssessment pair, DateTimeOffset lostAt)
    {
        var master = assessment.Snapshot.Pairs.FirstOrDefault(p => p.Datanode == pair.Datanode)?.Master;
        if (master?.Facts is not { } facts) return (lostAt, false);
        if (facts.OldestSyncRepWait is { } age) return (assessment.Snapshot.TakenAt - age, false);
        if (facts.SyncRepWaitersKnown && facts.SyncRepWaiters == 0) return (null, true);
        return (lostAt, false);
    }

    private void Keep(AsyncSwitchRecord record, List<AsyncSwitchRecord> changed)
    {
        _records[record.Datanode] = record;
        changed.Add(record);
    }

    private void Drop(string datanode, List<string> removed)
    {
        if (_records.Remove(datanode)) removed.Add(datanode);
    }
}
