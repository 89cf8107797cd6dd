using PgxcBot.Core.Observation;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;
using PgxcBot.Core.Operations;

namespace PgxcBot.Core.Runbooks.Planners;

/// <summary>
/// /pgxc resolve-2pc: for every prepared transaction left in doubt on a datanode's master, the decision by
/// <see cref="TwoPhaseRule"/> over every datanode (see <see cref="TwoPhaseFacts"/>), and one step per datanode where
/// it is still prepared: COMMIT PREPARED or ROLLBACK PREPARED in the database it was prepared in, verified by the
/// gid leaving pg_prepared_xacts. What the rule leaves or refuses is listed in the plan for a person.
/// </summary>
public static class Resolve2pcPlanner
{
    public static PlanResult Plan(ClusterTopology topology, ClusterSnapshot snapshot, string datanode, IReadOnlyList<PreparedTransaction> inDoubt,
        TwoPhaseFacts facts)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(inDoubt);
        ArgumentNullException.ThrowIfNull(facts);
        if (topology.FindDatanode(datanode) is not { } pair) return LifecyclePlanning.Unknown(topology, datanode);
        if (Writable(topology, snapshot, pair.Name) is null)
            return PlanResult.Refused($"{pair.Name} has no writable master to resolve prepared transactions on.", $"/pgxc status {pair.Name}");
        if (inDoubt.Count == 0)
            return PlanResult.Refused($"{pair.Name}'s master has no prepared transaction in doubt (none older than monitor.preparedTransactionWarningSeconds, none left by a promote).",
                $"/pgxc status {pair.Name}");

        var decisions = inDoubt.Select(t => TwoPhaseRule.Decide(t, facts.For(t.Gid))).ToArray();
        var steps = new List<RunbookStep>();
        var n = 0;
        foreach (var decision in decisions.Where(d => d.Outcome is TwoPhaseOutcome.Commit or TwoPhaseOutcome.Rollback))
        {
            n++;
            var gid = decision.Transaction.Gid;
            var commit = decision.Outcome == TwoPhaseOutcome.Commit;
            foreach (var participant in decision.Participants.Where(p => p.Status == TwoPhaseStatus.Prepared))
            {
                if (topology.FindDatanode(participant.Datanode) is not { } where || Writable(topology, snapshot, where.Name) is not { } server) continue;
                var target = new SqlTarget($"{where.Name} master", server.Address, server.Port);
                var database = facts.DatabaseOn(participant.Datanode, gid) ?? decision.Transaction.Database;
                var gone = new SqlProbe($"'{gid}' is no longer prepared on {where.Name}", target,
                    $"SELECT count(*) FROM pg_prepared_xacts WHERE gid = {SqlText.Literal(gid)}", "0");
                steps.Add(new RunbookStep($"{(commit ? "commit" : "rollback")}-{n}-{where.Name}",
                    $"{(commit ? "Commit" : "Roll back")} prepared transaction '{gid}' on {where.Name}",
                    Targets.Where(server, $"{where.Name} master"),
                    new RunSql(target with { Database = database }, [$"{(commit ? "COMMIT" : "ROLLBACK")} PREPARED {SqlText.Literal(gid)}"]),
                    gone, DoneWhen: gone, TimeSpan.FromSeconds(30), Rerunnable: true, OnFailure.Continue,
                    IfFailed: $"'{gid}' may still hold its locks on {where.Name}"));
            }
        }
        var notes = decisions.Select(d => $"'{d.Transaction.Gid}' ({Describe(d.Transaction)}): {Word(d.Outcome)}: {d.Reason}. Participants: " +
                                          string.Join("; ", d.Participants.Select(p => $"{p.Datanode} {p.Status.ToString().ToLowerInvariant()} ({p.How})")) + ".").ToArray();
        if (steps.Count == 0)
            return PlanResult.Refused($"no prepared transaction on {pair.Name} can be resolved by the rule: {string.Join(" ", notes)}",
                "a person decides for each (the reasons above); then /pgxc status " + pair.Name);
        var commits = decisions.Count(d => d.Outcome == TwoPhaseOutcome.Commit);
        var rollbacks = decisions.Count(d => d.Outcome == TwoPhaseOutcome.Rollback);
        var left = decisions.Length - commits - rollbacks;
        return PlanResult.Planned(new Runbook(OperationKinds.Resolve2pc.Name, pair.Name,
            $"Resolve {decisions.Length} prepared transaction(s) in doubt on {pair.Name} by pgxc_clean's rule: commit {commits}, roll back {rollbacks}" +
            (left > 0 ? $", leave {left} for a person." : "."),
            steps, notes, []));
    }

    /// <summary>The writable server of a pair in the snapshot (its master, or its promoted slave).</summary>
    internal static ServerLocation? Writable(ClusterTopology topology, ClusterSnapshot snapshot, string datanode)
    {
        var pair = topology.FindDatanode(datanode);
        var observed = snapshot.Pairs.FirstOrDefault(p => p.Datanode == datanode);
        if (pair is null || observed is null) return null;
        if (observed.Master.Facts is { InRecovery: false }) return observed.Master.Location;
        return observed.Slave?.Facts is { InRecovery: false } ? observed.Slave.Location : null;
    }

    private static string Describe(PreparedTransaction t) => $"prepared {t.PreparedAt:HH:mm:ss} UTC, database {t.Database}, owner {t.Owner}";

    private static string Word(TwoPhaseOutcome outcome) => outcome switch
    {
        TwoPhaseOutcome.Commit => "commit",
        TwoPhaseOutcome.Rollback => "roll back",
        TwoPhaseOutcome.Leave => "left alone",
        _ => "refused",
    };
}

/// <summary>How each in-doubt gid stands on every datanode, gathered before planning (<see cref="Operations.TwoPhaseFactsSource"/>).</summary>
public sealed record TwoPhaseFacts(IReadOnlyDictionary<string, IReadOnlyList<TwoPhaseParticipant>> ByGid,
    IReadOnlyDictionary<(string Datanode, string Gid), string> Databases)
{
    public static TwoPhaseFacts None { get; } = new(new Dictionary<string, IReadOnlyList<TwoPhaseParticipant>>(), new Dictionary<(string, string), string>());

    public IReadOnlyList<TwoPhaseParticipant> For(string gid) => ByGid.GetValueOrDefault(gid) ?? [];

    /// <summary>The database the gid is prepared in on that datanode.</summary>
    public string? DatabaseOn(string datanode, string gid) => Databases.GetValueOrDefault((datanode, gid));
}
