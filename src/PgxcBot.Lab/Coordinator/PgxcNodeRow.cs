namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// One row of <c>pgxc_node</c>, in the column order of Postgres-XL 10. <see cref="NodeType"/> is the
/// one-byte "char": 'C' coordinator, 'D' datanode.
/// </summary>
public sealed record PgxcNodeRow(
    string NodeName,
    char NodeType,
    int NodePort,
    string NodeHost,
    bool NodeIsPrimary,
    bool NodeIsPreferred,
    int NodeId)
{
    /// <summary>The row the pooler would connect with: what <c>pgxc_pool_check()</c> compares.</summary>
    internal bool SameConnectionInfo(PgxcNodeRow other) =>
        NodeType == other.NodeType && NodePort == other.NodePort &&
        string.Equals(NodeHost, other.NodeHost, StringComparison.Ordinal) &&
        NodeIsPrimary == other.NodeIsPrimary && NodeIsPreferred == other.NodeIsPreferred;

    /// <summary>
    /// A stable stand-in for XL's node_id (a hash of the name). Not the value real XL computes, but
    /// deterministic so tests can compare it.
    /// </summary>
    public static int HashNodeName(string name)
    {
        unchecked
        {
            var hash = (int)2166136261;
            foreach (var c in name) hash = (hash ^ c) * 16777619;
            return hash;
        }
    }
}

/// <summary>A node to seed the simulator's catalogs with.</summary>
/// <param name="Name">node_name, e.g. <c>datanode1</c>.</param>
/// <param name="Kind">Coordinator or datanode.</param>
/// <param name="Host">node_host.</param>
/// <param name="Port">node_port.</param>
/// <param name="IsPrimary">nodeis_primary.</param>
/// <param name="IsPreferred">nodeis_preferred.</param>
public sealed record SimulatedNode(
    string Name,
    SimulatedNodeKind Kind,
    string Host,
    int Port,
    bool IsPrimary = false,
    bool IsPreferred = false)
{
    /// <summary>A datanode row.</summary>
    public static SimulatedNode Datanode(string name, string host, int port, bool primary = false, bool preferred = false) =>
        new(name, SimulatedNodeKind.Datanode, host, port, primary, preferred);

    /// <summary>A coordinator row.</summary>
    public static SimulatedNode Coordinator(string name, string host, int port) =>
        new(name, SimulatedNodeKind.Coordinator, host, port);

    internal PgxcNodeRow ToRow(char? typeOverride = null) => new(
        Name, typeOverride ?? (Kind == SimulatedNodeKind.Coordinator ? 'C' : 'D'), Port, Host,
        IsPrimary, IsPreferred, PgxcNodeRow.HashNodeName(Name));
}

/// <summary>node_type of a seeded node.</summary>
public enum SimulatedNodeKind { Coordinator, Datanode }
