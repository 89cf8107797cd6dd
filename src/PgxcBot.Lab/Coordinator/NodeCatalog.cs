using System.Collections.Immutable;

namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// An immutable snapshot of one server's <c>pgxc_node</c>. Transactions work on their own copy and
/// publish it on commit (copy-on-write), so a rollback is just dropping the copy.
/// </summary>
internal sealed class NodeCatalog(ImmutableList<PgxcNodeRow> rows)
{
    public ImmutableList<PgxcNodeRow> Rows { get; } = rows;

    public PgxcNodeRow? Find(string name) => Rows.Find(r => string.Equals(r.NodeName, name, StringComparison.Ordinal));

    public NodeCatalog Upsert(PgxcNodeRow row)
    {
        var index = Rows.FindIndex(r => r.NodeName == row.NodeName);
        return new NodeCatalog(index < 0 ? Rows.Add(row) : Rows.SetItem(index, row));
    }

    public NodeCatalog Remove(string name) => new(Rows.RemoveAll(r => r.NodeName == name));

    /// <summary>True when every row has the same connection info as in <paramref name="other"/>.</summary>
    public bool SameConnectionInfo(NodeCatalog other) =>
        Rows.Count == other.Rows.Count &&
        Rows.All(r => other.Find(r.NodeName) is { } o && r.SameConnectionInfo(o));
}

/// <summary>
/// The catalog state of one simulated server (the coordinator, or one datanode as seen through
/// EXECUTE DIRECT): the committed catalog and the connection pooler's view of it (updated only by
/// <c>pgxc_pool_reload()</c>). Concurrent commits are last-writer-wins; real row locks are not modelled.
/// </summary>
internal sealed class NodeCatalogState(string ownerName, NodeCatalog initial)
{
    readonly Lock _lock = new();
    NodeCatalog _committed = initial;
    NodeCatalog _pooled = initial;
    int _reloads;

    /// <summary>node_name of the server that owns this catalog.</summary>
    public string OwnerName { get; } = ownerName;

    public NodeCatalog Committed { get { lock (_lock) return _committed; } }

    public int ReloadCount { get { lock (_lock) return _reloads; } }

    public void Commit(NodeCatalog catalog) { lock (_lock) _committed = catalog; }

    /// <summary>Adds or replaces a row outside any transaction, as if it had been there since startup.</summary>
    public void Seed(PgxcNodeRow row)
    {
        lock (_lock)
        {
            _committed = _committed.Upsert(row);
            _pooled = _pooled.Upsert(row);
        }
    }

    public void Reload()
    {
        lock (_lock)
        {
            _pooled = _committed;
            _reloads++;
        }
    }

    /// <summary>What <c>pgxc_pool_check()</c> answers: does the pooler agree with the catalog?</summary>
    public bool PoolMatchesCatalog() { lock (_lock) return _committed.SameConnectionInfo(_pooled); }
}
