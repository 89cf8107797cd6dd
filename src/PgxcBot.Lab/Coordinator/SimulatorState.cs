using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// Everything sessions share: options, the coordinator's catalog, each remote node's own catalog
/// (created on first use from the seed list), faults and the statement log.
/// </summary>
internal sealed class SimulatorState
{
    readonly ConcurrentDictionary<string, NodeCatalogState> _remote = new(StringComparer.Ordinal);
    readonly ConcurrentQueue<string> _statements = new();

    readonly List<SimulatedNode> _seed;

    public SimulatorState(CoordinatorSimulatorOptions options, IEnumerable<SimulatedNode> seed, int boundPort, DatanodeRelay relay)
    {
        Options = options;
        Relay = relay;
        Port = boundPort;
        _seed = seed.ToList();
        var rows = _seed.Select(n => n.ToRow()).ToList();
        if (rows.All(r => r.NodeName != options.NodeName))
            rows.Insert(0, new PgxcNodeRow(options.NodeName, 'C', boundPort, "127.0.0.1", false, false, PgxcNodeRow.HashNodeName(options.NodeName)));
        Coordinator = new NodeCatalogState(options.NodeName, new NodeCatalog(rows.ToImmutableList()));
    }

    public CoordinatorSimulatorOptions Options { get; }

    public int Port { get; }

    /// <summary>EXECUTE DIRECT's connections to other servers (shared: one data source per target).</summary>
    public DatanodeRelay Relay { get; }

    public NodeCatalogState Coordinator { get; }

    public SimulatorFaults Faults { get; } = new();

    public IReadOnlyCollection<string> Statements => _statements.ToArray();

    public void LogStatement(string sql) => _statements.Enqueue(sql);

    /// <summary>
    /// The catalog of node <paramref name="nodeName"/> itself. Seeded from the options' node list
    /// (plus nodes created on the coordinator since); its own row is 'C' when
    /// <see cref="CoordinatorSimulatorOptions.DatanodeSelfRowIsCoordinator"/>.
    /// </summary>
    public NodeCatalogState RemoteCatalog(string nodeName) => _remote.GetOrAdd(nodeName, name =>
    {
        var seed = _seed.Select(n => n.ToRow()).ToList();
        foreach (var extra in Coordinator.Committed.Rows.Where(r => seed.All(s => s.NodeName != r.NodeName)))
            seed.Add(extra);
        var rows = seed.Select(r => r.NodeName == name && Options.DatanodeSelfRowIsCoordinator ? r with { NodeType = 'C' } : r);
        return new NodeCatalogState(name, new NodeCatalog(rows.ToImmutableList()));
    });

    /// <summary>Seeds a node into the coordinator's catalog and every node catalog created so far.</summary>
    public void Seed(SimulatedNode node)
    {
        Coordinator.Seed(node.ToRow());
        foreach (var (name, catalog) in _remote)
            catalog.Seed(node.ToRow(name == node.Name && Options.DatanodeSelfRowIsCoordinator ? 'C' : null));
    }
}
