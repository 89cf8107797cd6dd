using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Assessment;

/// <summary>
/// The GTM as one subject: when it (or the way to it) fails, every node's queries fail at once, and that
/// is one problem saying so, with every node it takes down listed under it, not one alert per node. The
/// nodes' own problems that only say "cannot reach the GTM" are kept as information beside it.
/// </summary>
internal static class GtmAssessor
{
    public const string Subject = "gtm";

    /// <summary>The cluster-level GTM problems, and the pairs and coordinators with their GTM-caused
    /// problems turned into information.</summary>
    public static (IReadOnlyList<Problem> Cluster, IReadOnlyList<PairAssessment> Pairs, IReadOnlyList<Problem> Coordinators) Assess(
        ClusterTopology topology, ClusterSnapshot snapshot, IReadOnlyList<PairAssessment> pairs, IReadOnlyList<Problem> coordinatorProblems)
    {
        var cut = snapshot.Pairs.SelectMany(p => new[] { p.Master, p.Slave }).OfType<ServerProbe>()
            .Where(p => p.Status == ProbeStatus.GtmUnavailable)
            .Select(p => $"{p.Datanode} {p.Role.ToString().ToLowerInvariant()} {p.Location.HostName}:{p.Location.Port}")
            .Concat(snapshot.Coordinators.Where(c => c.Status == ProbeStatus.GtmUnavailable).Select(c => $"coordinator {c.Coordinator}"))
            .ToArray();
        var gtm = snapshot.Gtm.FirstOrDefault(g => !g.IsProxy);
        var problems = new List<Problem>();
        var listed = cut.Length == 0 ? "" : $" {cut.Length} node(s) report it: {string.Join(", ", cut)}.";
        var start = topology.Gtm is { } settings
            ? $"Start the GTM on {settings.Gtm.HostName}{(settings.DataDir is { } dir ? $" (gtm_ctl start -Z gtm -D {dir})" : "")}, then /pgxc status"
            : "Start the GTM, then /pgxc status";

        if (gtm is { Answered: false })
        {
            problems.Add(new Problem(ProblemCodes.GtmUnreachable, Severity.Critical, Subject,
                $"The GTM at {gtm.Endpoint} does not answer ({gtm.Status}{(gtm.Error is null ? "" : ": " + gtm.Error)}, checked {gtm.CheckedAt:HH:mm:ss} UTC): no transaction can start anywhere in the cluster, so every write and most reads fail.{listed} A node that starts or restarts meanwhile exits when it cannot register on the GTM.",
                start));
        }
        else if (cut.Length > 0)
        {
            var answers = gtm is null ? "The bot does not probe the GTM (no gtm section in the config)" : $"The GTM at {gtm.Endpoint} answers the bot";
            problems.Add(new Problem(ProblemCodes.GtmUnreachable, Severity.Critical, Subject,
                $"{answers}, but {cut.Length} node(s) cannot reach it: {string.Join(", ", cut)}. Their queries fail until they can.",
                topology.Gtm is null
                    ? "Check the GTM and each node's gtm_host/gtm_port, then /pgxc status (add the gtm section to the config so the bot watches it)"
                    : $"Check each node's gtm_host/gtm_port (or its GTM proxy) and the network to {gtm!.Endpoint}, then /pgxc status"));
        }
        foreach (var proxy in snapshot.Gtm.Where(g => g.IsProxy && !g.Answered))
            problems.Add(new Problem(ProblemCodes.GtmProxyUnreachable, Severity.Warning, proxy.Name,
                $"GTM proxy {proxy.Name} at {proxy.Endpoint} does not answer ({proxy.Status}{(proxy.Error is null ? "" : ": " + proxy.Error)}): the nodes that go through it cannot start transactions.",
                $"Start the GTM proxy {proxy.Name}, then /pgxc status"));

        if (cut.Length == 0) return (problems, pairs, coordinatorProblems);
        // Said once, under the GTM: the pairs and coordinators cut off only by it keep their lines as information.
        var quietPairs = pairs.Select(pair => snapshot.Pairs.FirstOrDefault(o => o.Datanode == pair.Datanode) is { } observed
                && (observed.Master.Status == ProbeStatus.GtmUnavailable || observed.Slave?.Status == ProbeStatus.GtmUnavailable)
            ? Quiet(pair)
            : pair).ToArray();
        var quietCoordinators = coordinatorProblems.Select(p => p.Code == ProblemCodes.CoordinatorUnreachable
            && snapshot.Coordinators.Any(c => c.Coordinator == p.Subject && c.Status == ProbeStatus.GtmUnavailable)
                ? p with { Severity = Severity.Info, Sentence = p.Sentence + " It cannot reach the GTM: see the GTM problem.", NextStep = "/pgxc status" }
                : p).ToArray();
        return (problems, quietPairs, quietCoordinators);
    }

    private static PairAssessment Quiet(PairAssessment pair)
    {
        var problems = pair.Problems.Select(p => p.Code is ProblemCodes.MasterUnobservable or ProblemCodes.NoMaster or ProblemCodes.MasterUnreachable
            or ProblemCodes.SlaveNotStreaming or ProblemCodes.SlaveUnobservable
            ? p with { Severity = Severity.Info, Sentence = p.Sentence + " It waits for the GTM: see the GTM problem.", NextStep = "/pgxc status" }
            : p).ToArray();
        return pair with { Problems = problems, Health = problems.Select(p => p.Severity).DefaultIfEmpty(Severity.Ok).Max(), WaitsForGtm = true };
    }
}
