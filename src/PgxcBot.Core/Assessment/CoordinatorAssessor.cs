using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Assessment;

/// <summary>Compares every coordinator's pgxc_node rows with where each datanode's master really is.</summary>
internal static class CoordinatorAssessor
{
    public static (IReadOnlyList<CoordinatorView> Views, IReadOnlyList<Problem> Problems) Assess(
        ClusterTopology topology, ClusterSnapshot snapshot, IReadOnlyList<PairAssessment> pairs)
    {
        var views = new List<CoordinatorView>();
        var problems = new List<Problem>();
        var probes = topology.Coordinators
            .Select(c => (Config: c, Probe: snapshot.Coordinators.FirstOrDefault(p => p.Coordinator == c.Name)))
            .ToArray();

        var answering = probes.Count(p => p.Probe is { Answered: true });
        // Not attempted (the bot's own password is unavailable): no observation, so no "unreachable"; the
        // pairs carry the credentials problem.
        foreach (var (config, probe) in probes.Where(p => p.Probe is not { Answered: true } and not { Status: ProbeStatus.NotAttempted }))
        {
            var how = probe is null ? "was not probed" : $"does not answer ({Describe(probe)})";
            var severity = answering == 0 ? Severity.Critical : Severity.Warning;
            var others = answering == 0 ? "no coordinator answers, so clients cannot query the cluster" : "sessions through it fail and it cannot be repointed until it is back";
            problems.Add(new Problem(ProblemCodes.CoordinatorUnreachable, severity, config.Name,
                $"Coordinator {config.Name} ({config.HostName}:{config.Port}) {how}: {others}.",
                $"Check {config.Name} on {config.HostName} and start it, then /pgxc status"));
        }

        foreach (var pair in topology.Datanodes)
        {
            var master = pairs.FirstOrDefault(p => p.Datanode == pair.Name)?.CurrentMaster;
            var masterAt = master is null ? null : $"{master.HostName}:{master.Port}";
            var pointsAt = new List<(string Coordinator, string Target, string Server)>();
            foreach (var (config, probe) in probes)
            {
                if (probe is not { Answered: true })
                {
                    views.Add(new CoordinatorView(config.Name, pair.Name, null, false));
                    continue;
                }
                var row = probe.Nodes.FirstOrDefault(n => n.NodeName == pair.Name && n.NodeType is 'D' or 'd');
                if (row is null)
                {
                    views.Add(new CoordinatorView(config.Name, pair.Name, null, false));
                    var target = master ?? pair.Master;
                    problems.Add(new Problem(ProblemCodes.CoordinatorMissingNode, Severity.Critical, config.Name,
                        $"Coordinator {config.Name} has no pgxc_node row for datanode {pair.Name}: queries through {config.Name} cannot reach the rows stored on {pair.Name}.",
                        $"On {config.Name}: CREATE NODE {pair.Name} WITH (TYPE = 'datanode', HOST = '{target.Address}', PORT = {target.Port}); then SELECT pgxc_pool_reload();")
                    { About = pair.Name });
                    continue;
                }
                var at = $"{row.NodeHost}:{row.NodePort}";
                pointsAt.Add((config.Name, at, Resolve(pair, row)));
                // With no single writable master there is nothing right to point at: leave Matches false
                // and let the pair's own problem (split brain, no master) speak.
                var matches = master is not null && row.NodePort == master.Port
                    && PairAssessor.HostMatches(row.NodeHost, master.HostName, master.Address);
                views.Add(new CoordinatorView(config.Name, pair.Name, at, matches));
                if (master is not null && !matches)
                {
                    problems.Add(new Problem(ProblemCodes.CoordinatorWrongTarget, Severity.Critical, config.Name,
                        $"Coordinator {config.Name} routes {pair.Name} to {at}, but {pair.Name}'s master is {masterAt}: queries through {config.Name} for rows on {pair.Name} go to the wrong server or fail.",
                        $"/pgxc repoint {pair.Name}") { About = pair.Name, Command = $"/pgxc repoint {pair.Name}", ActionLabel = "Repoint" });
                }
            }

            // "node01:20006" and "127.0.0.11:20006" are one server: compare what the rows resolve to.
            var distinct = pointsAt.Select(p => p.Server).Distinct(StringComparer.OrdinalIgnoreCase).Count();
            if (distinct > 1)
            {
                var who = string.Join(", ", pointsAt.Select(p => $"{p.Coordinator} → {p.Target}"));
                problems.Add(new Problem(ProblemCodes.CoordinatorsDisagree, Severity.Warning, pair.Name,
                    $"The coordinators disagree on where {pair.Name} is ({who}): the same query gives different results depending on the coordinator a client uses.",
                    $"/pgxc repoint {pair.Name}") { Command = $"/pgxc repoint {pair.Name}", ActionLabel = "Repoint" });
            }
        }
        return (views, problems);
    }

    private static string Resolve(DatanodePair pair, PgxcNodeRow row)
    {
        foreach (var server in new[] { pair.Master, pair.Slave })
        {
            if (server is not null && server.Port == row.NodePort && PairAssessor.HostMatches(row.NodeHost, server.HostName, server.Address))
                return server.Endpoint;
        }
        return $"{row.NodeHost}:{row.NodePort}";
    }

    private static string Describe(CoordinatorProbe probe) => probe.Status switch
    {
        ProbeStatus.Unreachable => "connection refused",
        ProbeStatus.Timeout => $"no answer within {Humanize.Duration(probe.Elapsed)}",
        ProbeStatus.AuthenticationFailed => "login refused",
        ProbeStatus.NotQueryable => "running but not queryable",
        ProbeStatus.NotAttempted => $"not contacted: {probe.Error}",
        _ => probe.Error is { Length: > 0 } e ? $"error: {(e.Length > 160 ? e[..160] + "…" : e)}" : "error",
    };
}
