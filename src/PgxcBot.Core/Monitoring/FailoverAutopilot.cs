using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;

namespace PgxcBot.Core.Monitoring;

/// <summary>Where the automatic failover of one pair stands.</summary>
public enum FailoverPhase
{
    /// <summary>Fencing is being checked and the promote operation created (awaiting approval).</summary>
    Proposing,
    /// <summary>Announced with a Cancel button; promoted at <see cref="FailoverRecord.DueAt"/> unless cancelled.</summary>
    Announced,
    /// <summary>The grace period is over: the promote runs.</summary>
    Approving,
    /// <summary>The master came back during the grace period: the operation is being cancelled.</summary>
    Cancelling,
    /// <summary>Not automatic for this loss (said once); a person decides. Forgotten when the master is back.</summary>
    Declined,
}

public sealed record FailoverRecord(string Datanode, FailoverPhase Phase, long? OperationId, DateTimeOffset? DueAt);

public enum FailoverStep { Propose, Approve, Cancel }

/// <summary>What the monitor must do now for an automatic failover (I/O, beside the loop).</summary>
public sealed record FailoverIntent(FailoverStep Step, string Datanode, long? OperationId);

public sealed record FailoverDecision(IReadOnlyList<FailoverIntent> Intents, IReadOnlyList<Notification> Notes)
{
    public static FailoverDecision None { get; } = new([], []);
}

/// <summary>
/// Optional automatic failover (<c>alerts.autoFailover</c>): when a master-lost incident is raised for a pair
/// whose slave was the synchronous standby when the master was last seen (nothing acknowledged is lost),
/// the monitor checks that the old master's host answers (fencing is possible), creates the promote
/// operation awaiting approval, and announces "automatic failover in G s" with a Cancel button. After the
/// grace period, if nobody cancelled and the master is still lost, it approves the operation as the system
/// actor. If the master comes back first, it cancels the operation and says so. In every other case
/// (async slave, unknown sync state, no fencing) it says once why it will not act, and a person decides.
/// Not thread-safe; the monitor serialises calls. Kept in memory: after a restart during the grace
/// period the operation stays awaiting approval for a person (its Cancel and Approve buttons still work).
/// </summary>
public sealed class FailoverAutopilot(AlertSettings settings, TimeProvider time)
{
    private readonly AlertSettings _settings = settings ?? throw new ArgumentNullException(nameof(settings));
    private readonly TimeProvider _time = time ?? throw new ArgumentNullException(nameof(time));
    private readonly Dictionary<string, FailoverRecord> _records = new(StringComparer.Ordinal);

    public FailoverRecord? Find(string datanode) => _records.GetValueOrDefault(datanode);

    /// <summary>Whether the assessment alone allows an automatic promote of <paramref name="pair"/>, and if
    /// not, why (in words for the channel).</summary>
    public static (bool Eligible, string Reason) Judge(PairAssessment pair)
    {
        ArgumentNullException.ThrowIfNull(pair);
        if (pair.Condition != ObservedCondition.MasterLost)
            return (false, $"{pair.Datanode} is {pair.Condition}, not a pair with a lost master");
        // The same judgement status and the promote planner use (PromoteSafety): only what the servers proved.
        if (pair.Promote is not { } promote)
            return (false, "the bot cannot judge whether the slave has every acknowledged commit");
        return promote.Safe
            ? (true, $"{promote.Summary}. Evidence: {string.Join("; ", promote.Evidence)}")
            : (false, promote.Summary);
    }

    /// <summary>Per poll, after the incidents of the poll were evaluated.</summary>
    /// <param name="masterLostOpen">Whether the master-lost incident of a datanode is raised (open).</param>
    public FailoverDecision Decide(ClusterAssessment assessment, Func<string, bool> masterLostOpen)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        ArgumentNullException.ThrowIfNull(masterLostOpen);
        if (!_settings.AutoFailover) return FailoverDecision.None;
        var now = _time.GetUtcNow();
        var intents = new List<FailoverIntent>();
        var notes = new List<Notification>();
        foreach (var pair in assessment.Pairs)
        {
            var name = pair.Datanode;
            var lost = pair.Condition == ObservedCondition.MasterLost;
            switch (_records.GetValueOrDefault(name))
            {
                case null when lost && masterLostOpen(name):
                    var (eligible, reason) = Judge(pair);
                    if (eligible)
                    {
                        _records[name] = new FailoverRecord(name, FailoverPhase.Proposing, null, null);
                        intents.Add(new FailoverIntent(FailoverStep.Propose, name, null));
                    }
                    else
                    {
                        _records[name] = new FailoverRecord(name, FailoverPhase.Declined, null, null);
                        notes.Add(Note(name, FailoverMessages.Declined(name, reason, pair.Advice?.ForCondition)));
                    }
                    break;
                case { Phase: FailoverPhase.Declined } when !lost:
                    _records.Remove(name); // a later loss is judged afresh
                    break;
                case { Phase: FailoverPhase.Announced } record when !lost:
                    _records[name] = record with { Phase = FailoverPhase.Cancelling };
                    intents.Add(new FailoverIntent(FailoverStep.Cancel, name, record.OperationId));
                    break;
                case { Phase: FailoverPhase.Announced, DueAt: { } due } record when now >= due:
                    _records[name] = record with { Phase = FailoverPhase.Approving };
                    intents.Add(new FailoverIntent(FailoverStep.Approve, name, record.OperationId));
                    break;
            }
        }
        return new FailoverDecision(intents, notes);
    }

    /// <summary>The promote operation was created awaiting approval (<paramref name="operationId"/>), or not
    /// (<paramref name="refusal"/>: fencing impossible, the plan refused).</summary>
    public FailoverDecision Proposed(string datanode, long? operationId, string? refusal, string fencing)
    {
        if (_records.GetValueOrDefault(datanode) is not { Phase: FailoverPhase.Proposing } record) return FailoverDecision.None;
        if (refusal is not null || operationId is null)
        {
            _records[datanode] = record with { Phase = FailoverPhase.Declined };
            return new FailoverDecision([], [Note(datanode, FailoverMessages.Declined(datanode, refusal ?? "the promote operation could not be created"))]);
        }
        var due = _time.GetUtcNow() + _settings.FailoverGrace;
        _records[datanode] = record with { Phase = FailoverPhase.Announced, OperationId = operationId, DueAt = due };
        return new FailoverDecision([], [Note(datanode, FailoverMessages.Announced(datanode, operationId.Value, _settings.FailoverGrace, due, fencing))]);
    }

    /// <summary>The approved promote ended (or approval was refused: someone cancelled, the plan changed).</summary>
    public FailoverDecision Completed(string datanode, MonitorOperationOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (_records.GetValueOrDefault(datanode) is not { Phase: FailoverPhase.Approving } record) return FailoverDecision.None;
        // Done or not, this loss is settled: a failed promote is for a person (resume or decide), never retried blindly.
        _records[datanode] = record with { Phase = FailoverPhase.Declined };
        return new FailoverDecision([], [Note(datanode, outcome.Succeeded
            ? FailoverMessages.Promoted(datanode, outcome)
            : FailoverMessages.NotDone(datanode, record.OperationId, outcome))]);
    }

    /// <summary>The operation was cancelled because the master came back (or the cancel failed).</summary>
    public FailoverDecision Cancelled(string datanode, bool succeeded, string summary)
    {
        if (_records.GetValueOrDefault(datanode) is not { Phase: FailoverPhase.Cancelling } record) return FailoverDecision.None;
        _records.Remove(datanode);
        return new FailoverDecision([], [Note(datanode, FailoverMessages.CancelledMasterBack(datanode, record.OperationId, succeeded, summary))]);
    }

    /// <summary>The incident the failover messages belong to.</summary>
    public static string KeyFor(string datanode) => $"{datanode}/{AlertKinds.MasterLost}";

    private static Notification Note(string datanode, ChatMessage message) =>
        new(KeyFor(datanode), NotificationKind.Reminder, message, MentionOnCall: message.Severity >= Severity.Critical);
}
