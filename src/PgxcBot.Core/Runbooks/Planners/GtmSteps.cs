using PgxcBot.Core.Gtm;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Runbooks.Planners;

/// <summary>
/// The GTM side of a Postgres-XC/XL failover, which the runbook leaves out and pgxc_ctl does: unregister
/// the old node name before the slave is promoted, and prove afterwards that the new master obtains
/// transaction ids from the GTM (briefs/postgres-xc.md: a promoted slave keeps its node name and registers
/// it again; with the old entry left behind, XC's GTM wrote past it and crashed).
/// </summary>
internal static class GtmSteps
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// "Unregister datanode1 from the GTM", after the fence (the old master no longer runs, so it cannot
    /// register the name again; Postgres-XL's cluster monitor would within seconds) and before the promote.
    /// Skipped on resume once the slave is writable: the name then belongs to the new master. Null
    /// without a GTM in the config or on plain PostgreSQL.
    /// </summary>
    public static RunbookStep? Unregister(ClusterTopology topology, DatanodePair pair, Probe promoted)
    {
        if (topology.Flavor is not (Flavor.PostgresXc or Flavor.PostgresXl) || topology.Gtm is not { } gtm) return null;
        var server = gtm.Gtm;
        return new RunbookStep("gtm-unregister-old-node", $"Unregister {pair.Name} from the GTM (the promoted slave registers the name again)",
            $"gtm ({server.Address}:{server.Port})",
            new GtmUnregister("gtm", server.Address, server.Port, GtmNodeType.Datanode, pair.Name),
            Verify: null, DoneWhen: promoted, StepTimeout, Rerunnable: true, Attempts: 3,
            Undo: "none needed: a running node registers its name again by itself (XL within seconds, XC at its next start)");
    }

    /// <summary>
    /// After the repoint: through a coordinator, the new master assigns a transaction id
    /// (<see cref="NodeSql.ObtainsTransactionId"/>), which only succeeds when it reaches the GTM. Failure does
    /// not undo the promote: it is reported with the failed step. Null on plain PostgreSQL or without a coordinator.
    /// </summary>
    public static RunbookStep? VerifyReachesGtm(ClusterTopology topology, ClusterSnapshot snapshot, string datanode)
    {
        if (topology.Flavor is not (Flavor.PostgresXc or Flavor.PostgresXl)) return null;
        var via = topology.Coordinators.FirstOrDefault(c => snapshot.Coordinators.Any(p => p.Coordinator == c.Name && p.Answered))
                  ?? topology.Coordinators.FirstOrDefault();
        if (via is null) return null;
        var check = new SqlProbe($"{datanode}'s new master obtains a transaction id from the GTM (through {via.Name})", Targets.Of(via),
            NodeSql.ObtainsTransactionId(datanode), "true");
        return new RunbookStep("verify-gtm", $"Check that {datanode}'s new master reaches the GTM", $"{datanode} (through {via.Name})",
            new WaitOnly("a transaction id assigned on the new master"), check, DoneWhen: null, StepTimeout, Rerunnable: true,
            OnFailure.Continue, IfFailed: $"the new master runs but cannot start transactions: check its gtm_host/gtm_port (or GTM proxy) and the GTM with /pgxc status {datanode}.");
    }
}
