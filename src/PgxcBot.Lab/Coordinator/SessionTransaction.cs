namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// A session's transaction: explicit (BEGIN) or implicit (one Query message / up to Sync), its failed
/// state, and the private catalog copies it has written. Writing a catalog is what "assigns a transaction
/// ID" for the purpose of pgxc_pool_reload's 25001 check.
/// </summary>
internal sealed class SessionTransaction
{
    readonly Dictionary<NodeCatalogState, NodeCatalog> _working = [];

    public bool Explicit { get; private set; }

    public bool Failed { get; private set; }

    public bool HasTransactionId => _working.Count > 0;

    /// <summary>ReadyForQuery status byte.</summary>
    public byte Status => Failed ? (byte)'E' : Explicit ? (byte)'T' : (byte)'I';

    public NodeCatalog Read(NodeCatalogState state) => _working.TryGetValue(state, out var c) ? c : state.Committed;

    public void Write(NodeCatalogState state, NodeCatalog catalog) => _working[state] = catalog;

    public void BeginExplicit() => Explicit = true;

    public void Commit()
    {
        foreach (var (state, catalog) in _working) state.Commit(catalog);
        Reset();
    }

    public void Rollback() => Reset();

    /// <summary>An error inside a BEGIN block leaves it failed; outside one, the implicit transaction rolls back.</summary>
    public void OnError()
    {
        if (Explicit) Failed = true;
        else Reset();
    }

    /// <summary>End of a Query message or Sync: an implicit transaction commits.</summary>
    public void EndOfImplicit()
    {
        if (!Explicit) Commit();
    }

    void Reset()
    {
        _working.Clear();
        Explicit = false;
        Failed = false;
    }
}
