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

    /// <summary>
    /// Asks the node behind a datanode entry who it is, on which port, and whether it is writable; the
    /// answer reads <c>datanode1|20010|false</c>. Every column is cast to text inside the statement:
    /// Postgres-XC relays a datanode's text values under a binary row description to clients that ask for
    /// binary results (Npgsql), which turns inet_server_port() into garbage and pg_is_in_recovery() on a
    /// master into true (measured, briefs/postgres-xc.md); text read as binary is still the same text.
    /// </summary>
    public static string VerifyIdentity(string node) =>
        ExecuteDirect(node, "SELECT pgxc_node_str()::text, inet_server_port()::text, pg_is_in_recovery()::text");

    /// <summary>The expected answer of <see cref="VerifyIdentity"/> for a writable master on <paramref name="port"/>.</summary>
    public static string IdentityOfMaster(string node, int port) =>
        $"{node}|{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}|false";

    /// <summary>The catalog row of <paramref name="node"/> (host and port, as text for the same reason).</summary>
    public static string ReadNode(string node) =>
        $"SELECT node_host::text, node_port::text FROM pgxc_node WHERE node_name = {SqlText.Literal(node)}";

    /// <summary>
    /// Proves the node behind a datanode entry reaches the GTM: <c>txid_current()</c> assigns a
    /// transaction id, which on Postgres-XC/XL comes from the GTM (a node that cannot reach it fails with
    /// "can not connect to GTM" / "Could not obtain a transaction ID from GTM"). Answers 'true' (measured on XC and XL).
    /// </summary>
    public static string ObtainsTransactionId(string node) => ExecuteDirect(node, "SELECT (txid_current() > 0)::text");
}
