using PgxcBot.Core.Assessment;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Advice;

/// <summary>
/// THE function that decides what to do next for a pair, from what the servers show (the assessment: its
/// condition, blocked commits, the promote verdict, how the slave stands) and what the bot's records say
/// (<see cref="PairStanding"/>: stored state, an operation running or waiting, a completed stop or promote).
/// Status, alerts, refusals, help and the final message of an operation all take their next step from here,
/// so they cannot disagree. Pure.
/// </summary>
public static class PairAdvisor
{
    /// <summary>Problems beside the pair's condition that a person fixes by hand, each with its own next step (in
    /// order of urgency): they follow whatever the condition needs, so a healthy pair with one is never "nothing to do".</summary>
    public static IReadOnlyList<string> PersonFixes { get; } =
    [
        ProblemCodes.XlStandbyFeedback, ProblemCodes.WalArchivingFailing, ProblemCodes.WalSlotRetaining, ProblemCodes.WalRetained, ProblemCodes.WatchUnreadable,
    ];

    /// <param name="pair">The pair's assessment (its <see cref="PairAssessment.Found"/> problems are the evidence).</param>
    /// <param name="standing">What the bot's records say about the pair.</param>
    /// <param name="config">The pair's configuration (host names for the words); null when unknown.</param>
    /// <param name="misrouted">Coordinator problems that route this datanode to the wrong server (or not at all).</param>
    public static PairAdvice Advise(PairAssessment pair, PairStanding standing, DatanodePair? config, IReadOnlyList<Problem> misrouted)
    {
        ArgumentNullException.ThrowIfNull(pair);
        ArgumentNullException.ThrowIfNull(standing);
        ArgumentNullException.ThrowIfNull(misrouted);
        var name = pair.Datanode;
        var found = pair.Found.Count > 0 ? pair.Found : pair.Problems;

        // An operation acting on the pair explains what the servers show meanwhile: wait for it.
        if (standing.Running is { } running)
        {
            var wait = NextStep.Manual($"wait for operation {running.Id} ({running.Kind} {name}, {running.Progress}) to finish; /pgxc history {name} shows it");
            return new PairAdvice(name, wait, null, wait, pair.CommitsBlocked ? wait : null, null, running,
                $"Part of operation {running.Id} ({running.Kind} {name}, running {running.Progress}): ", ExplainsAll: true);
        }

        var condition = ConditionStep(pair, standing, config, found, out var note);
        var blocked = pair.CommitsBlocked ? NextStep.Run($"/pgxc async {name}", "Switch to async") : null;
        OperationNote? explainedBy = null;
        string? explanation = null;
        if (standing.Stopped is { } stop && pair.Condition == ObservedCondition.NoMaster && pair.NoMaster == NoMasterCase.BothDown)
        {
            explainedBy = stop;
            explanation = $"{name} was stopped by operation {stop.Id} (/pgxc stop {name}, {stop.Who}) at {OperationStories.Time(stop.At)}: both servers are down as intended, " +
                          $"so rows on {name} can be neither read nor written until it is started again.";
        }

        // An interrupted operation holds the pair until a person resumes (or cancels) it: that comes first,
        // and whatever the pair needs after it follows as the next step.
        var resume = standing.Waiting is { State: not OperationState.AwaitingApproval } stuck
            ? new NextStep($"/pgxc resume {stuck.Id} (operation {stuck.Id}, {stuck.Kind} {name}, stopped at {stuck.Progress}; each remaining step checks the servers first)",
                $"/pgxc resume {stuck.Id}", $"Resume {stuck.Id}")
            : null;
        var steps = new List<NextStep>();
        if (blocked is not null) steps.Add(blocked);
        if (pair.Condition == ObservedCondition.SplitBrain && condition is not null) steps.Add(condition);
        if (resume is not null) steps.Add(resume);
        if (misrouted.Count > 0 && pair.Condition is ObservedCondition.Sync or ObservedCondition.Async or ObservedCondition.SlaveLost)
            steps.Add(NextStep.Run($"/pgxc repoint {name}", "Repoint"));
        // Prepared transactions in doubt hold their locks: resolve them before anything slower (a rebuild).
        var afterPromote = InDoubtAfterPromote(pair, standing);
        if (pair.InDoubt.Count > 0 || afterPromote.Count > 0)
        {
            var at = config is null ? "the master" : pair.CurrentMaster is { } m ? $"{m.HostName}:{m.Port}" : $"{config.Master.HostName}:{config.Master.Port}";
            var (text, command, label) = PreparedAdvice.Step(name, at, [.. pair.InDoubt, .. afterPromote]);
            steps.Add(new NextStep(text, command, label));
        }
        if (condition is not null) steps.Add(condition);
        // What fills the master's disk, or a setting that will crash it: no runbook fixes these, their own problem says how.
        if (OwnStep(found, [.. PersonFixes]) is { } byHand) steps.Add(byHand);

        var ordered = steps.Select(s => resume is null ? Beside(s, standing, name, resume) : s).DistinctBy(s => s.Text).ToList();
        var forCondition = condition is null ? null : Beside(condition, standing, name, resume);
        return new PairAdvice(name, InWindow(ordered.ElementAtOrDefault(0), standing), ordered.ElementAtOrDefault(1), forCondition,
            blocked is null ? null : Beside(blocked, standing, name, resume), note, explainedBy, explanation)
        {
            InDoubtAfterPromote = afterPromote,
        };
    }

    /// <summary>The next step of a pair in maintenance says so (who, why, until when): the bot will not act on the pair
    /// by itself meanwhile, so the step is the people's, and they may be causing what it is about.</summary>
    private static NextStep? InWindow(NextStep? step, PairStanding standing) =>
        step is null || standing.Maintenance is not { } window
            ? step
            : step with { Text = $"{step.Text} (in {Monitoring.MaintenanceMessages.InForce(window)}; the bot takes no automatic action on {standing.Datanode} until it ends)" };

    /// <summary>After a promote, the prepared transactions on the new master that were prepared before it (through
    /// the old master, whose coordinators' sessions are gone): in doubt at once, whatever their age. Without the
    /// promote's record (stored state only), those older than a few seconds.</summary>
    private static IReadOnlyList<Observation.PreparedTransaction> InDoubtAfterPromote(PairAssessment pair, PairStanding standing)
    {
        if (!standing.OldMasterFenced || pair.Prepared.Count == 0) return [];
        return pair.Prepared.Where(p => standing.Promoted is { } promote ? p.PreparedAt <= promote.At : p.Age >= TimeSpan.FromSeconds(10))
            .Where(p => !pair.InDoubt.Contains(p)).ToArray();
    }

    /// <summary>What the pair's condition needs, ignoring blocked commits and operations.</summary>
    private static NextStep? ConditionStep(PairAssessment pair, PairStanding standing, DatanodePair? config, IReadOnlyList<Problem> found, out string? note)
    {
        note = null;
        var name = pair.Datanode;
        // The bot could not look at all (its own password): nothing is known of the servers, only how to look again.
        if (OwnStep(found, ProblemCodes.CredentialsUnavailable) is { } blind) return blind;
        if (pair.WaitsForGtm) return NextStep.Manual("start the GTM first (see the GTM problem), then /pgxc status");
        switch (pair.Condition)
        {
            case ObservedCondition.Sync:
                return null;
            case ObservedCondition.Async:
                if (config is { Slave: null } || found.Any(p => p.Code == ProblemCodes.NoSlaveConfigured))
                    return NextStep.Manual("add a slave for this datanode to the configuration, then /pgxc add-slave " + name);
                // A slave streaming under another name, or several candidates: their own problems say what to fix
                // (a sync now would wait for a name nobody streams under, or for a client that is not the slave).
                if (OwnStep(found, ProblemCodes.ReplicationClientConflict, ProblemCodes.SlaveNameMismatch) is { } fix) return fix;
                return NextStep.Run($"/pgxc sync {name}", "Sync");
            case ObservedCondition.SlaveLost:
                if (standing.OldMasterFenced)
                {
                    var by = standing.Promoted is { } p ? $"operation {p.Id} (promote, {OperationStories.Time(p.At)})" : "the promote";
                    note = $"It is the old master, fenced by {by}: rebuild it from the new master; starting it as it is would bring back diverged data.";
                    return NextStep.Run($"/pgxc rebuild {name}", "Rebuild");
                }
                return pair.Slave == SlaveStanding.NotRunning
                    ? NextStep.Run($"/pgxc start {name}", "Start")
                    : NextStep.Manual(pair.Remedy ?? $"check the slave's host{Host(config?.Slave?.HostName)}, then /pgxc status");
            case ObservedCondition.MasterLost:
                if (pair.Promote is { Safe: true }) return NextStep.Run($"/pgxc promote {name}", "Promote");
                var accept = $"/pgxc promote {name} --accept-data-loss";
                var master = config is null ? "the master" : $"{config.Master.HostName}:{config.Master.Port}";
                var text = pair.LastMasterSighting is null
                    ? $"check {config?.Master.HostName ?? "the master's host"} first; if the master is gone for good and the loss is accepted: {accept}"
                    : $"bring {master} back if at all possible; to accept the loss: {accept}";
                return new NextStep(text, accept, "Promote (accept data loss)");
            case ObservedCondition.Promoted:
                return NextStep.Run($"/pgxc repoint {name}", "Repoint");
            case ObservedCondition.SplitBrain:
                return NextStep.Manual(pair.Remedy ?? "stop at once the server the coordinators do not route to, then /pgxc status");
            case ObservedCondition.NoMaster:
                if (pair.NoMaster == NoMasterCase.BothDown)
                {
                    if (standing.Stopped is not null) return NextStep.Run($"/pgxc start {name}", "Start");
                    var hosts = config is null ? "its hosts" : config.Slave is null ? config.Master.HostName : $"{config.Master.HostName} and {config.Slave.HostName}";
                    return new NextStep($"check that {hosts} are up, then /pgxc start {name}", $"/pgxc start {name}", "Start");
                }
                return pair.Remedy is { } byHand ? NextStep.Manual(byHand) : NextStep.Run($"/pgxc promote {name}", "Promote");
            default:
                return NextStep.Manual(pair.Remedy ?? "/pgxc status");
        }
    }

    /// <summary>A step that needs the pair free, while another operation waits on it for a person: that one is
    /// decided first (approve or cancel a request; resume an interrupted operation). The async switch is the
    /// exception: it runs beside them (it never waits for a person).</summary>
    private static NextStep Beside(NextStep step, PairStanding standing, string name, NextStep? resume)
    {
        if (standing.Waiting is not { } waiting || step.Verb is not { } verb || OperationKinds.Find(verb) is not { RunsBesideWaiting: false }) return step;
        if (waiting.State != OperationState.AwaitingApproval) return resume ?? step;
        if (verb == waiting.Kind)
            return new NextStep($"/pgxc approve {waiting.Id} (operation {waiting.Id}, {waiting.Kind} {name}, awaits approval by another authorised person; or /pgxc cancel {waiting.Id})",
                $"/pgxc approve {waiting.Id} --plan {waiting.Nonce}", $"Approve {waiting.Id}") { ApprovesKind = waiting.Kind };
        return new NextStep($"/pgxc cancel {waiting.Id} (the {waiting.Kind} awaiting approval holds {name}), then {step.Text}", $"/pgxc cancel {waiting.Id}", $"Cancel {waiting.Id}");
    }

    /// <summary>
    /// The advice for the common situations, each worked out by <see cref="Advise"/> itself on a pair in that
    /// situation (for help: what the bot will advise, in its own words).
    /// </summary>
    public static IReadOnlyList<(string Situation, string Next)> Guide(string datanode)
    {
        static PairAssessment Pair(string name, ObservedCondition condition, SlaveStanding slave, bool blocked = false, PromoteEvidence? promote = null,
            NoMasterCase? noMaster = null, bool seen = true) =>
            new(name, condition, Severity.Warning, null, blocked, []) { Slave = slave, Promote = promote, NoMaster = noMaster,
                LastMasterSighting = seen ? new MasterSighting(DateTimeOffset.UnixEpoch, null, false, null) : null };
        var safe = new PromoteEvidence(PromoteVerdict.Safe, 0, "", []);
        var unsafeLoss = new PromoteEvidence(PromoteVerdict.MayLoseCommits, 4096, "", []);
        var none = PairStanding.None(datanode);
        var at = DateTimeOffset.UnixEpoch;
        var stop = new OperationNote(0, OperationKinds.Stop.Name, OperationState.Succeeded, at, "", "", "");
        var cases = new (string, PairAssessment, PairStanding)[]
        {
            ("the slave is lost and commits wait for it", Pair(datanode, ObservedCondition.SlaveLost, SlaveStanding.NotRunning, blocked: true), none),
            ("the slave does not run", Pair(datanode, ObservedCondition.SlaveLost, SlaveStanding.NotRunning), none),
            ("the slave does not run after a promote (it is the fenced old master)", Pair(datanode, ObservedCondition.SlaveLost, SlaveStanding.NotRunning),
                none with { Stored = PairState.Promoted }),
            ("the slave streams asynchronously", Pair(datanode, ObservedCondition.Async, SlaveStanding.Streaming), none),
            ("the master is lost and the slave was in sync", Pair(datanode, ObservedCondition.MasterLost, SlaveStanding.RunningNotConnected, promote: safe), none),
            ("the master is lost and the slave was not in sync", Pair(datanode, ObservedCondition.MasterLost, SlaveStanding.RunningNotConnected, promote: unsafeLoss), none),
            ("both servers are down after /pgxc stop", Pair(datanode, ObservedCondition.NoMaster, SlaveStanding.NotRunning, noMaster: NoMasterCase.BothDown),
                none with { Stopped = stop }),
            ("the slave was promoted by hand (the bot still names the old master)", Pair(datanode, ObservedCondition.Promoted, SlaveStanding.None), none),
        };
        return cases.Select(c => (c.Item1, Advise(c.Item2, c.Item3, null, []).Summary)).ToArray();
    }

    /// <summary>The next step of the first problem found with one of <paramref name="codes"/> (in that order of
    /// priority), for evidence whose own problem knows the fix better than the pair's condition does.</summary>
    private static NextStep? OwnStep(IReadOnlyList<Problem> found, params string[] codes) =>
        codes.Select(c => found.FirstOrDefault(p => p.Code == c)).FirstOrDefault(p => p is { NextStep.Length: > 0 }) is { } own
            ? new NextStep(own.NextStep, own.Command, own.Command is null ? null : own.ActionLabel)
            : null;

    private static string Host(string? host) => host is null ? "" : $" {host} (load, disk, network)";
}
