namespace PgxcBot.Core.Servers;

/// <summary>
/// The statements that repoint a node in a pgxc_node catalog. ALTER NODE and pgxc_pool_reload() are
/// always separate statements: Postgres-XL refuses the reload in the ALTER's transaction (25001) and the
/// ALTER then rolls back, which is the runbook's one-string mistake.
/// </summary>
public static class NodeSql
{
    public const string PoolReload = "SELECT pgxc_pool_reload()";
    public const string PoolCheck = "SELECT pgxc_pool_check()";
    public const string ReadNodes = "SELECT node_name, node_type::text, node_host, node_port FROM pgxc_node ORDER BY node_name";

    /// <summary>
    /// <c>ALTER NODE dn WITH (HOST = 'h', PORT = p)</c>. On a datanode's own catalog pass
    /// <paramref name="asDatanode"/>: initdb registers rows there with type coordinator, and altering only
    /// host and port leaves cross-datanode queries silently returning nothing.
    /// </summary>
    public static string AlterNode(string node, string host, int port, bool asDatanode = false) =>
        $"ALTER NODE {SqlText.Identifier(node)} WITH (HOST = {SqlText.HostLiteral(host)}, PORT = {SqlText.Port(port)}" +
        (asDatanode ? ", TYPE = 'datanode')" : ")");

    /// <summary><c>EXECUTE DIRECT ON (target) 'statement'</c>, the statement quoted as one literal.</summary>
    public static string ExecuteDirect(string target, string statement) =>
        $"EXECUTE DIRECT ON ({SqlText.Identifier(target)}) {SqlText.Literal(statement)}";

    /// <summary>Asks the node behind a datanode entry who it is, on which port, and whether it is writable.</summary>
    public static string VerifyIdentity(string node) =>
        ExecuteDirect(node, "SELECT pgxc_node_str(), inet_server_port(), pg_is_in_recovery()");
}
