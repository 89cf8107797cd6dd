using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Monitoring;

/// <summary>What one poll observed, as the host hands it to <see cref="MonitorCycle.Run"/>: everything read from
/// servers and the store before the decision.</summary>
/// <param name="Topology">The topology the poll ran on.</param>
/// <param name="Snapshot">What the servers answered (the master-loss rule reads each probe's status and duration).</param>
/// <param name="ProbedAt">When the probes started, by the monitor's clock (UTC).</param>
/// <param name="Assessment">The snapshot assessed and advised (next steps, what the bot's own operations explain), every pair.</param>
/// <param name="Maintenance">The windows, silences and owners in force, as read from the store this poll.</param>
public sealed record MonitorObservation(
    ClusterTopology Topology,
    ClusterSnapshot Snapshot,
    DateTimeOffset ProbedAt,
    ClusterAssessment Assessment,
    MaintenanceState Maintenance)
{
    /// <summary>Maintenance windows that ended by themselves since the last poll (their end is announced).</summary>
    public IReadOnlyList<Mute> ExpiredMutes { get; init; } = [];

    /// <summary>Alert candidates of the SSH checks (host/NAME subjects).</summary>
    public IReadOnlyList<AlertCandidate> SshCandidates { get; init; } = [];

    /// <summary>Subjects whose SSH check has no verdict yet: their incidents are neither seen nor missing.</summary>
    public IReadOnlySet<string> SshUndecided { get; init; } = new HashSet<string>(StringComparer.Ordinal);
}

/// <summary>What one cycle decided.</summary>
/// <param name="Changes">Messages to send (muted ones left out) and incident/async switch changes to store, in order.</param>
/// <param name="Muted">Messages a maintenance window or silence kept back (to log).</param>
/// <param name="Operations">Automatic switches to run now beside the loop (async when commits block on a lost slave, sync once it caught up).</param>
/// <param name="Failovers">Automatic failover steps to run now beside the loop.</param>
/// <param name="Suspected">Datanodes whose master did not answer but is not confirmed lost yet: poll again at once.</param>
/// <param name="Summary">The decision in one sentence, e.g. "Switching datanode1 to async." or "No action: every pair is in sync."</param>
public sealed record MonitorDecision(
    MonitorChanges Changes,
    IReadOnlyList<Notification> Muted,
    IReadOnlyList<AsyncSwitchIntent> Operations,
    IReadOnlyList<FailoverIntent> Failovers,
    IReadOnlyList<string> Suspected,
    string Summary)
{
    /// <summary>A master did not answer and the rule wants a second look soon.</summary>
    public bool PollAgainSoon => Suspected.Count > 0;

    /// <summary>Nothing to send, mute, run or look at again: the cycle changed nothing anyone must hear of.</summary>
    public bool NoAction => Changes.Notifications.Count == 0 && Muted.Count == 0 && Operations.Count == 0 && Failovers.Count == 0 && Suspected.Count == 0;
}

/// <summary>
/// The monitor's per-poll decision, without I/O (modelled on Patroni's <c>Ha.run_cycle()</c>): from what the poll
/// observed and what the monitor remembers, which alerts to raise, remind of or clear (flap damping, reminders,
/// maintenance muting), whether a master that stopped answering is lost (page) or only suspected (poll again),
/// whether to switch a pair whose commits block on a lost or frozen slave to async (or back to sync), and which
/// automatic failover step is due, plus one sentence that says so. The host keeps the timer and the I/O: it
/// observes, assesses, stores what <see cref="MonitorDecision.Changes"/> lists, posts through the outbox and runs
/// the operations. The pair state machine's triggers are fired before (by PairStateTracker), because the advice
/// this cycle reads depends on the stored pair states.
/// </summary>
public static class MonitorCycle
{
    /// <summary>One poll's decision; updates <paramref name="state"/> in place (it is the memory between polls).</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static MonitorDecision Run(MonitorObservation observed, MonitorCycleState state)
    {
        ArgumentNullException.ThrowIfNull(observed);
        ArgumentNullException.ThrowIfNull(state);
        var engine = state.Engine;
        var advised = observed.Assessment;
        // A master that just stopped answering is probed again at once: a dead one pages within a second,
        // a paused one is seen answering again before it may page.
        var verdicts = state.MasterLoss.Observe(observed.Snapshot, observed.ProbedAt);
        // Pairs in maintenance are left out of every automatic action.
        var automated = MaintenanceRules.ForAutomation(advised, observed.Maintenance);

        engine.Owners = observed.Maintenance.OwnerOf;
        var (candidates, unconfirmed) = MasterLossGate(AlertRules.From(advised)
            .Where(c => !(c.Kind == AlertKinds.CommitsBlocked && state.AsyncSwitch.IsSwitchingToAsync(c.Subject)))
            .Concat(observed.SshCandidates), verdicts);
        // Evidence from every pair (those in maintenance too): a window that ends on a dead slave says since when.
        state.AsyncSwitch.Watch(advised);
        var asyncSwitch = state.AsyncSwitch.Decide(automated, candidates, observed.Topology.Monitor.LagWarningBytes, state.BadSince);
        var held = AlertRules.Held(advised).Concat(state.AsyncSwitch.HeldKeys(automated)).Concat(unconfirmed).ToHashSet(StringComparer.Ordinal);
        var evaluated = engine.Evaluate(candidates, held, Unobserved(observed));
        var muted = state.Muting.Apply(evaluated, engine, observed.Maintenance, observed.ExpiredMutes, state.Time.GetUtcNow());
        var failover = state.Failover.Decide(automated, d => engine.Find(FailoverAutopilot.KeyFor(d))?.Status == IncidentStatus.Open);
        var changes = state.Settle(muted.Round, asyncSwitch, failover.Notes);

        var suspected = verdicts.Where(v => v.Value == MasterLossVerdict.Suspect).Select(v => v.Key).Order(StringComparer.Ordinal).ToArray();
        var pending = candidates.Where(c => engine.Find(c.Key)?.Status == IncidentStatus.Pending).Select(c => c.Title).Distinct().ToArray();
        var summary = MonitorSentence.Say(changes.Notifications, muted.Muted.Count, asyncSwitch.Intents, failover.Intents, suspected, pending,
            advised, engine.Active.Count(i => i.Status == IncidentStatus.Open));
        return new MonitorDecision(changes, muted.Muted, asyncSwitch.Intents, failover.Intents, suspected, summary);
    }

    /// <summary>Master-lost (master-unobservable, no-master) alerts follow <see cref="MasterLossRule"/>, not the poll count: a confirmed loss is raised
    /// at once, a suspected one is held back (and an open incident kept as it is) until the rule decides.</summary>
    private static (AlertCandidate[] Candidates, IReadOnlyList<string> Unconfirmed) MasterLossGate(IEnumerable<AlertCandidate> all,
        IReadOnlyDictionary<string, MasterLossVerdict> verdicts)
    {
        var candidates = new List<AlertCandidate>();
        var unconfirmed = new List<string>();
        foreach (var candidate in all)
        {
            // A master that times out is "unobservable" rather than lost: the same rule decides when that pages. So
            // does "no writable master" (neither server answers): one poll in which a loaded host or network let no
            // probe of the pair through must not page that the datanode is down (seen: a bot starting beside 64 lab
            // pairs on 2 cores paged it for all 64 at its first poll).
            if (candidate.Kind is not (AlertKinds.MasterLost or ProblemCodes.MasterUnobservable or AlertKinds.NoMaster))
                candidates.Add(candidate);
            else if (verdicts.GetValueOrDefault(candidate.Subject) == MasterLossVerdict.Suspect)
                unconfirmed.Add(candidate.Key);
            else
                candidates.Add(candidate with { RaiseNow = verdicts.GetValueOrDefault(candidate.Subject) == MasterLossVerdict.Confirmed });
        }
        return ([.. candidates], unconfirmed);
    }

    /// <summary>What this poll could not look at: pairs and coordinators the bot did not contact (its own
    /// password unavailable), and ssh hosts whose checks have no verdict yet.</summary>
    private static HashSet<string> Unobserved(MonitorObservation observed)
    {
        var subjects = new HashSet<string>(observed.SshUndecided, StringComparer.Ordinal);
        foreach (var pair in observed.Snapshot.Pairs)
            if (pair.Master.Status == ProbeStatus.NotAttempted || pair.Slave?.Status == ProbeStatus.NotAttempted)
                subjects.Add(pair.Datanode);
        foreach (var coordinator in observed.Snapshot.Coordinators.Where(c => c.Status == ProbeStatus.NotAttempted))
            subjects.Add(coordinator.Coordinator);
        return subjects;
    }
}
