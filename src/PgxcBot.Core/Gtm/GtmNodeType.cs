namespace PgxcBot.Core.Gtm;

/// <summary>
/// The kind of node a GTM registration belongs to. The numbers are <c>GTM_PGXCNodeType</c> of
/// <c>src/include/gtm/gtm_c.h</c>, identical in Postgres-XC 1.2 and Postgres-XL 10; a registration of a kind
/// this enum does not name keeps its number.
/// </summary>
public enum GtmNodeType
{
    /// <summary>A GTM proxy (GTM_NODE_GTM_PROXY).</summary>
    GtmProxy = 1,
    /// <summary>A GTM proxy's main connection (GTM_NODE_GTM_PROXY_POSTMASTER).</summary>
    GtmProxyPostmaster = 2,
    /// <summary>A coordinator (GTM_NODE_COORDINATOR).</summary>
    Coordinator = 3,
    /// <summary>A datanode (GTM_NODE_DATANODE): what a promote unregisters.</summary>
    Datanode = 4,
    /// <summary>A GTM standby registered on the active GTM (GTM_NODE_GTM).</summary>
    Gtm = 5,
    /// <summary>A connection with no node kind (GTM_NODE_DEFAULT).</summary>
    Default = 6,
}
