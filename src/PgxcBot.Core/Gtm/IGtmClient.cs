using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Gtm;

/// <summary>
/// Talks to the GTM (global transaction manager) of a Postgres-XC 1.2 or Postgres-XL 10 cluster over its own
/// binary protocol, the way the GTM client library (src/gtm/client: fe-connect.c, gtm_client.c,
/// fe-protocol.c) does. Every call opens one short connection as a plain, non-postmaster client, so closing
/// it never marks any node disconnected (register_common.c, Recovery_PGXCNodeDisconnect acts only on
/// postmaster connections).
/// <para>
/// The two flavors differ on the wire (startup packet, message and result numbers, node-list layout): pass
/// the cluster's flavor. A flavor that does not match the GTM comes back as
/// <see cref="GtmCallStatus.ProtocolError"/> naming the likely mismatch; the GTM logs one FATAL line for that
/// connection and keeps serving (measured on both builds).
/// </para>
/// <para>
/// Every call has a hard deadline (<c>timeout</c>: connect, startup, request and answer together; the
/// connect alone is bounded by the adapter's connect timeout too) and reports failures in its result: the
/// only exceptions are <see cref="OperationCanceledException"/> when <c>cancellationToken</c> is cancelled and
/// <see cref="ArgumentException"/> for arguments that can never work (a flavor without a GTM, a node name
/// that is not one, a non-positive timeout).
/// </para>
/// </summary>
public interface IGtmClient
{
    /// <summary>
    /// Proves the GTM serves: connects, completes the startup exchange and reads the next global transaction
    /// id (MSG_TXN_GET_NEXT_GXID). That request takes the GTM's transaction-id lock, so a GTM whose
    /// transaction manager is stuck times out, yet it changes nothing (gtm_txn.c: "no internal state changes",
    /// nothing is sent to a GTM standby) and allocates no transaction id. A Postgres-XC GTM logs one LOG line
    /// per connection ("Any GTM standby node not found in registered node(s)."); Postgres-XL's logs nothing.
    /// </summary>
    /// <param name="endpoint">The GTM (not tried through a GTM proxy).</param>
    /// <param name="flavor"><see cref="Flavor.PostgresXc"/> or <see cref="Flavor.PostgresXl"/>.</param>
    /// <param name="timeout">Deadline for the whole probe; positive.</param>
    /// <param name="cancellationToken">Cancels the probe (then it throws).</param>
    Task<GtmProbeResult> ProbeAsync(GtmEndpoint endpoint, Flavor flavor, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Reads every node registration the GTM holds (MSG_NODE_LIST): which names are registered, with which
    /// data folder and address, and whether the registering postmaster is still connected. Read-only.
    /// </summary>
    /// <param name="endpoint">The GTM itself (not tried through a GTM proxy).</param>
    /// <param name="flavor"><see cref="Flavor.PostgresXc"/> or <see cref="Flavor.PostgresXl"/>.</param>
    /// <param name="timeout">Deadline for the whole exchange; positive.</param>
    /// <param name="cancellationToken">Cancels the call (then it throws).</param>
    Task<GtmNodeListResult> ListNodesAsync(GtmEndpoint endpoint, Flavor flavor, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the registration of <paramref name="nodeName"/> as <paramref name="type"/> from the GTM
    /// (MSG_NODE_UNREGISTER), what pgxc_ctl's failover does before promoting a datanode's slave (pgxc_ctl
    /// gtm_util.c, process_unregister_command). On one connection it lists the nodes first (absent:
    /// <see cref="GtmUnregisterOutcome.NotRegistered"/>, nothing sent), unregisters, then lists again to prove
    /// the name is gone (the GTM also appends the removal to its register file, register_common.c). A
    /// still-running node keeps serving and registers again on its own: Postgres-XL's cluster monitor within
    /// seconds (measured: about 5 s), a Postgres-XC postmaster only when restarted. So unregister a node whose
    /// server is stopped, as a promote does after fencing the old master.
    /// </summary>
    /// <param name="endpoint">The GTM itself.</param>
    /// <param name="flavor"><see cref="Flavor.PostgresXc"/> or <see cref="Flavor.PostgresXl"/>.</param>
    /// <param name="type">Kind of the registration (a datanode for a promote).</param>
    /// <param name="nodeName">Node name as in pgxc_node (validated with
    /// <see cref="Servers.SqlText.IsNodeName"/>).</param>
    /// <param name="timeout">Deadline for the whole exchange; positive.</param>
    /// <param name="cancellationToken">Cancels the call (then it throws; the unregister may or may not have
    /// reached the GTM: list the nodes to know).</param>
    /// <exception cref="ArgumentException">The node name is not a valid node name, or the type is not a
    /// defined <see cref="GtmNodeType"/>.</exception>
    Task<GtmUnregisterResult> UnregisterAsync(GtmEndpoint endpoint, Flavor flavor, GtmNodeType type, string nodeName,
        TimeSpan timeout, CancellationToken cancellationToken);
}
