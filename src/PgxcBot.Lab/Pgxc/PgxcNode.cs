using PgxcBot.Core.Topology;

namespace PgxcBot.Lab.Pgxc;

/// <summary>What a Postgres-XC/XL server is started as (<c>pg_ctl -Z coordinator|datanode</c>).</summary>
public enum PgxcNodeType
{
    /// <summary>Routes queries to the datanodes; has a connection pooler.</summary>
    Coordinator,
    /// <summary>Holds the data; a master or its hot standby.</summary>
    Datanode,
}

/// <summary>Where the servers of a lab cluster reach their GTM.</summary>
/// <param name="Host">The GTM's address (127.0.0.1 in the lab).</param>
/// <param name="Port">The GTM's TCP port.</param>
public sealed record LabGtmEndpoint(string Host, int Port);

/// <summary>
/// A lab server's Postgres-XC/XL identity: its flavor, node type, node name (<c>initdb --nodename</c>; a
/// slave keeps its master's), and the GTM it registers on. Null on a plain PostgreSQL server.
/// </summary>
/// <param name="QueryableStandby">Postgres-XL only: while in recovery the server takes snapshots from the
/// coordinator (<c>global_snapshot_source = 'coordinator'</c>), so it answers SQL; a stock XL standby refuses
/// every connection with XX000 "Was unable to obtain a snapshot from GTM".</param>
internal sealed record PgxcNode(Flavor Flavor, PgxcNodeType Type, string NodeName, LabGtmEndpoint Gtm, bool QueryableStandby = false)
{
    /// <summary>The value of pg_ctl's -Z.</summary>
    public string PgCtlMode => Type == PgxcNodeType.Coordinator ? "coordinator" : "datanode";

    /// <summary>Coordinators of both flavors run a pooler, and so do Postgres-XL datanodes; each needs its own
    /// <c>pooler_port</c> (a Unix socket <c>.s.PGPOOL.port</c> beside the server's).</summary>
    public bool HasPooler => Type == PgxcNodeType.Coordinator || Flavor == Flavor.PostgresXl;
}
