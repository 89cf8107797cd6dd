using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Operations;

namespace PgxcBot.Core.Monitoring;

/// <summary>
/// The one sentence a monitor cycle is logged and tested by: what it does, in order (operations, failover steps,
/// messages sent, messages muted, masters looked at again, alerts waiting for a second sighting), joined by "; ",
/// or "No action: ..." with the reason when it does nothing.
/// </summary>
public static class MonitorSentence
{
    /// <summary>Words one cycle's decision.</summary>
    /// <param name="sent">The messages going out, in order.</param>
    /// <param name="muted">How many messages a window or silence kept back.</param>
    /// <param name="operations">Automatic switches started.</param>
    /// <param name="failovers">Automatic failover steps started.</param>
    /// <param name="suspected">Datanodes whose master did not answer, to be polled again at once.</param>
    /// <param name="pending">Titles of alerts seen but not yet raised (flap damping).</param>
    /// <param name="assessment">The poll's assessment (for "every pair is in sync").</param>
    /// <param name="open">Incidents open after the cycle.</param>
    /// <exception cref="ArgumentNullException">A list or the assessment is null.</exception>
    public static string Say(IReadOnlyList<Notification> sent, int muted, IReadOnlyList<AsyncSwitchIntent> operations,
        IReadOnlyList<FailoverIntent> failovers, IReadOnlyList<string> suspected, IReadOnlyList<string> pending,
        ClusterAssessment assessment, int open)
    {
        ArgumentNullException.ThrowIfNull(sent);
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(failovers);
        ArgumentNullException.ThrowIfNull(suspected);
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(assessment);
        var parts = new List<string>();
        parts.AddRange(operations.Select(o => o.Kind == OperationKinds.Async.Name ? $"switching {o.Datanode} to async" : $"re-enabling sync on {o.Datanode}"));
        parts.AddRange(failovers.Select(f => f.Step switch
        {
            FailoverStep.Propose => $"proposing an automatic failover of {f.Datanode}",
            FailoverStep.Approve => $"approving the automatic failover of {f.Datanode} (operation {f.OperationId})",
            _ => $"cancelling the automatic failover of {f.Datanode}: its master is back",
        }));
        parts.AddRange(sent.Select(n => n.Kind switch
        {
            NotificationKind.Raised when n.MentionOnCall => $"paging for '{Title(n.IncidentKey)}'",
            NotificationKind.Raised => $"alerting on '{Title(n.IncidentKey)}'",
            NotificationKind.Cleared => $"all clear for '{Title(n.IncidentKey)}'",
            _ => $"reminding of '{Title(n.IncidentKey)}'",
        }));
        if (muted > 0) parts.Add($"muting {muted} message(s) (maintenance or silence)");
        if (suspected.Count > 0)
            parts.Add($"polling again at once: the master of {string.Join(" and ", suspected)} did not answer");
        if (pending.Count > 0)
            parts.Add($"waiting for a second sighting of {string.Join(" and ", pending.Select(t => $"'{t}'"))}");
        if (parts.Count == 0)
            parts.Add(assessment.Pairs.Count > 0 && open == 0 && assessment.Pairs.All(p => p.Condition == ObservedCondition.Sync)
                ? "no action: every pair is in sync"
                : open > 0 ? $"no action: nothing new, {open} incident(s) still open" : "no action: nothing alert-worthy");
        var sentence = string.Join("; ", parts);
        return char.ToUpperInvariant(sentence[0]) + sentence[1..] + ".";
    }

    private static string Title(string incidentKey)
    {
        var (subject, kind) = MaintenanceState.Split(incidentKey);
        return AlertRules.Title(subject, kind);
    }
}
