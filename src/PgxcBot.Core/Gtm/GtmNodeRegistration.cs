namespace PgxcBot.Core.Gtm;

/// <summary>
/// Whether the connection that registered a node is still open. Values of <c>GTM_PGXCNodeStatus</c> in
/// <c>src/include/gtm/register.h</c> (both flavors).
/// </summary>
public enum GtmNodeStatus
{
    /// <summary>NODE_CONNECTED: the registering postmaster's connection is open. The GTM refuses another
    /// registration of the same name and type (register_common.c, pgxcnode_add_info: EEXIST).</summary>
    Connected = 0,
    /// <summary>NODE_DISCONNECTED: that connection closed without an unregister (a killed or crashed
    /// postmaster). A later registration of the same name reuses this entry, which is where Postgres-XC's GTM
    /// copies a longer data folder into the old, shorter allocation (pgxcnode_add_info).</summary>
    Disconnected = 1,
}

/// <summary>
/// One node registration as the GTM's node list (MSG_NODE_LIST) reports it: the fields of
/// <c>GTM_PGXCNodeInfo</c> (register.h) that the GTM serialises (gtm_serialize.c,
/// gtm_serialize_pgxcnodeinfo). Strings the GTM holds as absent come back empty.
/// </summary>
/// <param name="Type">Node kind.</param>
/// <param name="Name">Node name (pgxc_node_name of the registering server).</param>
/// <param name="Host">Address the node registered with, as the node sent it (often <c>localhost</c>).</param>
/// <param name="Port">Port the node registered with (its PostgreSQL port).</param>
/// <param name="DataFolder">Data directory the node registered with: which server holds the name.</param>
/// <param name="ProxyName">GTM proxy the node registered through; empty when none.</param>
/// <param name="Status">Connected or disconnected (a raw value the enum does not name is kept).</param>
public sealed record GtmNodeRegistration(
    GtmNodeType Type,
    string Name,
    string Host,
    int Port,
    string DataFolder,
    string ProxyName,
    GtmNodeStatus Status)
{
    /// <summary>One line for messages: <c>datanode datanode1 at localhost:5432, /data/dn1, disconnected</c>.</summary>
    public string Describe() =>
        $"{TypeName(Type)} {Name} at {Host}:{Port}, {(DataFolder.Length == 0 ? "no data folder" : DataFolder)}, " +
        (Status switch { GtmNodeStatus.Connected => "connected", GtmNodeStatus.Disconnected => "disconnected", _ => $"status {(int)Status}" }) +
        (ProxyName.Length == 0 ? "" : $", through proxy {ProxyName}");

    private static string TypeName(GtmNodeType type) => type switch
    {
        GtmNodeType.Coordinator => "coordinator",
        GtmNodeType.Datanode => "datanode",
        GtmNodeType.GtmProxy => "GTM proxy",
        GtmNodeType.GtmProxyPostmaster => "GTM proxy (main connection)",
        GtmNodeType.Gtm => "GTM standby",
        GtmNodeType.Default => "unspecified node",
        _ => $"node of type {(int)type}",
    };
}
