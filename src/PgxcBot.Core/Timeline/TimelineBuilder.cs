using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Runbooks;

namespace PgxcBot.Core.Timeline;

/// <summary>
/// Builds the timeline of an incident from stored records (pure): the pair's state changes, the incidents' pages,
/// each operation's request, approval, steps and end, the refused commands, the accepted data loss, and the windows in
/// which commits waited for a lost synchronous slave: from the transition Sync -> DegradedSlaveLost (only a synchronous
/// pair makes commits wait) to whichever comes first, the transition out of it or the end of a succeeded operation that
/// clears <c>synchronous_standby_names</c> (async, promote, stop), which releases the commits before the pair's state moves. Events are ordered by time; events at the same instant keep the order they happened in (a request before
/// its approval, a step's start before the next step; an operation's end before the state change it caused).
/// </summary>
public static class TimelineBuilder
{
    /// <param name="datanode">Only this datanode's events; null: every subject (coordinators' incidents too).</param>
    /// <param name="since">Events before it are left out; a window that began before it and lasts past it is kept.</param>
    /// <param name="now">The timeline's end: a window still going is shown up to here.</param>
    public static IncidentTimeline Build(TimelineSources sources, string? datanode, DateTimeOffset since, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var events = new List<TimelineEvent>();
        bool Mine(string subject) => datanode is null || string.Equals(subject, datanode, StringComparison.Ordinal);

        // At the same instant, the order below holds: an operation's end before the state change it caused, a state
        // change before the page about it, and a refusal last.
        foreach (var o in sources.Operations.Where(o => Mine(o.Datanode)).OrderBy(o => o.Id))
            events.AddRange(OperationEvents(o));

        foreach (var group in sources.Transitions.Where(t => Mine(t.Datanode)).GroupBy(t => t.Datanode, StringComparer.Ordinal))
        {
            var releases = Releases(sources.Operations, group.Key);
            DateTimeOffset? blockedSince = null;
            foreach (var t in group.OrderBy(t => t.At))
            {
                if (blockedSince is { } start && releases.FirstOrDefault(r => r.At >= start && r.At <= t.At) is { Operation: not null } release)
                {
                    events.Add(Blocked(t.Datanode, start, release.At, $"released by #{release.Operation.Id} {release.Operation.Kind}"));
                    blockedSince = null;
                }
                if (t.From == PairState.DegradedSlaveLost && blockedSince is { } since2)
                {
                    events.Add(Blocked(t.Datanode, since2, t.At, $"released: {t.Reason}"));
                    blockedSince = null;
                }
                events.Add(new TimelineEvent(t.At, t.Datanode, TimelineEventKind.Transition, $"{t.From} -> {t.To}: {t.Reason}"));
                if (t is { From: PairState.Sync, To: PairState.DegradedSlaveLost }) blockedSince = t.At;
            }
            if (blockedSince is { } open)
            {
                events.Add(releases.FirstOrDefault(r => r.At >= open) is { Operation: not null } release
                    ? Blocked(group.Key, open, release.At, $"released by #{release.Operation.Id} {release.Operation.Kind}")
                    : Blocked(group.Key, open, null, null));
            }
        }

        foreach (var e in sources.Incidents.Where(i => Mine(i.Subject)))
            events.Add(new TimelineEvent(e.At, e.Subject, e.Kind switch
            {
                IncidentEventKind.Raised => TimelineEventKind.IncidentRaised,
                IncidentEventKind.Reminded => TimelineEventKind.IncidentReminded,
                IncidentEventKind.Reopened => TimelineEventKind.IncidentReopened,
                _ => TimelineEventKind.IncidentCleared,
            }, $"{e.AlertKind} [{e.Severity}] {e.Title}", IncidentKey: e.Key));

        foreach (var r in sources.Refusals.Where(r => r.Datanode is null ? datanode is null : Mine(r.Datanode)))
            events.Add(new TimelineEvent(r.At, r.Datanode ?? "-", TimelineEventKind.Refused,
                $"{r.Command} refused: {r.Reason}{(r.NextStep is null ? "" : $" (next: {r.NextStep})")}", r.Actor.DisplayName, OperationId: r.OperationId));

        var kept = events
            .Where(e => e.At >= since || (e.IsSpan && (e.EndedAt ?? now) >= since))
            .Select((e, i) => (e, i))
            .OrderBy(x => x.e.At)
            .ThenBy(x => x.i)
            .Select(x => x.e)
            .ToArray();
        return new IncidentTimeline(datanode, since, now, kept);
    }

    private static TimelineEvent Blocked(string datanode, DateTimeOffset start, DateTimeOffset? end, string? result) =>
        new(start, datanode, TimelineEventKind.CommitsBlocked, "a commit on the master waits for the lost synchronous slave", EndedAt: end, Result: result ?? "still blocked");

    /// <summary>When each succeeded releasing operation of <paramref name="datanode"/> ended, oldest first.</summary>
    private static (DateTimeOffset At, Operation? Operation)[] Releases(IReadOnlyList<Operation> operations, string datanode) =>
        operations.Where(o => o.State == OperationState.Succeeded && OperationKinds.Find(o.Kind) is { ReleasesCommits: true }
                              && string.Equals(o.Datanode, datanode, StringComparison.Ordinal))
            .Select(o => (At: o.Decisions.LastOrDefault(d => d.Kind == DecisionKind.Succeeded)?.At ?? o.Steps.Select(s => s.EndedAt).Max(), Operation: (Operation?)o))
            .Where(r => r.At is not null)
            .Select(r => (r.At!.Value, r.Operation))
            .OrderBy(r => r.Item1)
            .ToArray();

    private static IEnumerable<TimelineEvent> OperationEvents(Operation o)
    {
        var what = $"#{o.Id} {o.Kind} {o.Datanode}";
        var flags = o.Flags.Count == 0 ? "" : " " + string.Join(" ", o.Flags.Select(f => "--" + f));
        yield return new TimelineEvent(o.RequestedAt, o.Datanode, TimelineEventKind.Requested, what + flags, o.RequestedBy.DisplayName, OperationId: o.Id);
        if (o.Flags.Contains(OperationService.AcceptDataLoss, StringComparer.Ordinal))
        {
            var loss = o.Plan.Warnings.Where(w => w.StartsWith("DATA LOSS", StringComparison.Ordinal)).ToArray();
            yield return new TimelineEvent(o.RequestedAt, o.Datanode, TimelineEventKind.DataLossAccepted,
                $"{what}: " + (loss.Length == 0 ? "the request accepts losing the commits the slave had not received" : string.Join(" ", loss)),
                o.RequestedBy.DisplayName, OperationId: o.Id);
        }

        var decisions = o.Decisions.Where(d => d.Kind != DecisionKind.Requested).ToList();
        // Operations stored before decisions were recorded: the approval columns still tell who and when.
        if (o is { ApprovedBy: { } approver, ApprovedAt: { } approvedAt } && decisions.All(d => d.Kind != DecisionKind.Approved))
            decisions.Add(new OperationDecision(DecisionKind.Approved, approver, approvedAt));

        var steps = o.Steps.Where(s => s.StartedAt is not null).Select(s => new TimelineEvent(s.StartedAt!.Value, o.Datanode, TimelineEventKind.Step,
            $"{what} step {s.Index + 1}: {s.Title}", EndedAt: s.EndedAt, Result: StepResult(s), OperationId: o.Id));
        var decided = decisions.Select(d => new TimelineEvent(d.At, o.Datanode, Kind(d.Kind), Describe(o, d, what), d.By?.DisplayName,
            Result: d.Kind is DecisionKind.Succeeded or DecisionKind.Failed ? o.Result : null, OperationId: o.Id));
        // A step and a decision at the same instant: the decision that starts a run comes first, the one that ends it last.
        foreach (var e in decided.Concat(steps).OrderBy(e => e.At).ThenBy(e => Rank(e.Kind)))
            yield return e;
    }

    private static int Rank(TimelineEventKind kind) => kind switch
    {
        TimelineEventKind.Approved or TimelineEventKind.Replanned or TimelineEventKind.Started or TimelineEventKind.Resumed => 0,
        TimelineEventKind.Step => 1,
        _ => 2,
    };

    private static string Describe(Operation o, OperationDecision d, string what) => d.Kind switch
    {
        DecisionKind.Approved => $"{what} approved ({Assessment.Humanize.Duration(d.At - o.RequestedAt)} after the request)",
        DecisionKind.Succeeded or DecisionKind.Failed when Run(o) is { } run => $"{what} {d.Kind.ToString().ToLowerInvariant()} (ran {Assessment.Humanize.Duration(d.At - run)})",
        _ => $"{what} {d.Kind.ToString().ToLowerInvariant()}",
    };

    private static DateTimeOffset? Run(Operation o) =>
        o.Decisions.FirstOrDefault(d => d.Kind == DecisionKind.Started)?.At ?? o.Steps.Select(s => s.StartedAt).Where(s => s is not null).Min();

    private static TimelineEventKind Kind(DecisionKind kind) => kind switch
    {
        DecisionKind.Approved => TimelineEventKind.Approved,
        DecisionKind.Replanned => TimelineEventKind.Replanned,
        DecisionKind.Started => TimelineEventKind.Started,
        DecisionKind.Resumed => TimelineEventKind.Resumed,
        DecisionKind.Cancelled => TimelineEventKind.Cancelled,
        DecisionKind.Expired => TimelineEventKind.Expired,
        DecisionKind.Abandoned => TimelineEventKind.Abandoned,
        DecisionKind.Interrupted => TimelineEventKind.Interrupted,
        DecisionKind.Succeeded => TimelineEventKind.Succeeded,
        DecisionKind.Failed => TimelineEventKind.Failed,
        _ => TimelineEventKind.Requested,
    };

    private static string StepResult(StepRecord step)
    {
        var word = step.Status switch
        {
            StepStatus.Succeeded => "ok",
            StepStatus.Failed => "failed",
            StepStatus.Skipped => "skipped",
            StepStatus.Running => "running",
            _ => step.Status.ToString().ToLowerInvariant(),
        };
        return step.Summary is null ? word : $"{word}: {step.Summary}";
    }
}
