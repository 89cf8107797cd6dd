using PgxcBot.Core.Assessment;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Advice;

/// <summary>
/// Applies <see cref="PairAdvisor"/> to a whole assessment: every pair-level problem gets the advised next step
/// (and its button), and the suppression rule marks what an operation explains.
/// <para>
/// The suppression rule: a problem is explained by an operation, shown as part of it and never raised as an
/// incident, when (a) an operation is running on its datanode (its own problems, and coordinator problems
/// about that datanode: a coordinator routing to the old master while the promote repoints them), or
/// (b) the datanode's last operation was a stop that succeeded and both its servers are down (no writable
/// master, as intended; next: /pgxc start). An explained problem is at most a Warning (the datanode may still
/// be unavailable, but nobody must be paged for what the bot itself is doing). Nothing else is explained:
/// what an operation left behind after it ended (a coordinator it could not repoint) is an incident.
/// </para>
/// Pure; applying it again with other standings starts from the problems as found.
/// </summary>
public static class ClusterAdvisor
{
    /// <summary>Problem codes that state the pair's condition: their next step is the advice's.</summary>
    public static IReadOnlySet<string> ConditionCodes { get; } = new HashSet<string>([
        ProblemCodes.SlaveNotStreaming, ProblemCodes.SlaveFrozen, ProblemCodes.MasterUnreachable, ProblemCodes.MasterUnobservable,
        ProblemCodes.SlavePromoted, ProblemCodes.SplitBrain, ProblemCodes.NoMaster, ProblemCodes.ReplicationAsync,
        ProblemCodes.NoSlaveConfigured, ProblemCodes.PairNotObserved,
    ], StringComparer.Ordinal);

    /// <summary>The assessment with advice applied; <paramref name="standings"/> by datanode (a pair without
    /// one gets <see cref="PairStanding.None"/>).</summary>
    public static ClusterAssessment Apply(ClusterTopology topology, ClusterAssessment assessment, IReadOnlyDictionary<string, PairStanding>? standings = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(assessment);
        var coordinatorFound = assessment.FoundCoordinatorProblems ?? assessment.CoordinatorProblems;
        var advices = new Dictionary<string, PairAdvice>(StringComparer.Ordinal);
        var pairs = assessment.Pairs.Select(pair =>
        {
            var standing = standings?.GetValueOrDefault(pair.Datanode) ?? PairStanding.None(pair.Datanode);
            var misrouted = coordinatorFound.Where(p => p.About == pair.Datanode
                && p.Code is ProblemCodes.CoordinatorWrongTarget or ProblemCodes.CoordinatorMissingNode).ToArray();
            var advice = PairAdvisor.Advise(pair, standing, topology.FindDatanode(pair.Datanode), misrouted);
            advices[pair.Datanode] = advice;
            var found = pair.Found.Count > 0 ? pair.Found : pair.Problems;
            var problems = found.Select(p => Advised(p, advice)).Concat(InDoubtAfterPromote(pair, advice, standing)).ToArray();
            return pair with
            {
                Found = found,
                Problems = problems,
                Health = problems.Select(p => p.Severity).DefaultIfEmpty(Severity.Ok).Max(),
                Advice = advice,
            };
        }).ToArray();
        var coordinators = coordinatorFound.Select(p =>
            advices.GetValueOrDefault(p.Concerns) is { ExplainsAll: true, Explanation: { } why } advice
                ? Explain(p, advice, why)
                : p).ToArray();
        return assessment with { Pairs = pairs, CoordinatorProblems = coordinators, FoundCoordinatorProblems = coordinatorFound };
    }

    /// <summary>Prepared transactions a promote left in doubt on the new master, before the age threshold says so.</summary>
    private static IEnumerable<Problem> InDoubtAfterPromote(PairAssessment pair, PairAdvice advice, PairStanding standing)
    {
        if (advice.InDoubtAfterPromote.Count == 0) yield break;
        var name = pair.Datanode;
        var at = pair.CurrentMaster is { } m ? $"{m.HostName}:{m.Port}" : "the new master";
        var (next, command, label) = PreparedAdvice.Step(name, at, advice.InDoubtAfterPromote);
        var promote = standing.Promoted is { } p ? $"the promote (operation {p.Id}, {Operations.OperationStories.Time(p.At)})" : "the promote";
        var list = string.Join(", ", advice.InDoubtAfterPromote.Take(5).Select(x => $"'{x.Gid}' (prepared {x.PreparedAt:HH:mm:ss} UTC, database {x.Database}, owner {x.Owner})"));
        yield return new Problem(ProblemCodes.PreparedTransactionStuck, Severity.Warning, name,
            $"{advice.InDoubtAfterPromote.Count} prepared transaction(s) on {name}'s new master were prepared before {promote}, through the old master: " +
            $"nobody will finish them, and they keep their locks until they are committed or rolled back: {list}.",
            next) { Command = command, ActionLabel = label };
    }

    private static Problem Advised(Problem problem, PairAdvice advice)
    {
        var step = problem.Code == ProblemCodes.CommitsBlocked ? advice.ForBlockedCommits
            : ConditionCodes.Contains(problem.Code) ? advice.ForCondition
            : null;
        var advised = step is null && !ConditionCodes.Contains(problem.Code) && problem.Code != ProblemCodes.CommitsBlocked
            ? problem
            : problem with
            {
                NextStep = step?.Text ?? "",
                Command = step?.Command,
                ActionLabel = step?.Label,
                ApprovesKind = step?.ApprovesKind,
                Sentence = advice.Note is { } note && ConditionCodes.Contains(problem.Code) ? $"{problem.Sentence} {note}" : problem.Sentence,
            };
        if (advice is not { ExplainedBy: { } by, Explanation: { } why }) return advised;
        // A completed stop explains only the "no writable master" it left; a running operation everything of the pair.
        if (!advice.ExplainsAll)
            return problem.Code == ProblemCodes.NoMaster
                ? advised with { Sentence = why, Severity = Min(advised.Severity, Severity.Warning), ExplainedBy = by.Id }
                : advised;
        return Explain(advised, advice, why);
    }

    private static Problem Explain(Problem problem, PairAdvice advice, string prefix) => problem with
    {
        Sentence = prefix + problem.Sentence,
        Severity = Min(problem.Severity, Severity.Warning),
        ExplainedBy = advice.ExplainedBy!.Id,
        NextStep = advice.Next!.Text,
        Command = null,
        ActionLabel = null,
        ApprovesKind = null,
    };

    private static Severity Min(Severity a, Severity b) => a < b ? a : b;
}
