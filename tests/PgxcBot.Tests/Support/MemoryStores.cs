namespace PgxcBot.Tests.Support;

/// <summary>In-memory stand-ins for the SQLite store, for tests of the logic above it.</summary>
internal sealed class MemoryPairStateStore : IPairStateStore
{
    public Dictionary<string, PairState> States { get; } = new();
    public List<PairTransition> Transitions { get; } = [];

    public Task<PairState?> GetStateAsync(string datanode, CancellationToken cancellationToken) =>
        Task.FromResult(States.TryGetValue(datanode, out var s) ? s : (PairState?)null);

    /// <summary>Calls of <see cref="GetStatesAsync"/>.</summary>
    public int BatchReads { get; private set; }

    public Task<IReadOnlyDictionary<string, PairState>> GetStatesAsync(CancellationToken cancellationToken)
    {
        BatchReads++;
        return Task.FromResult<IReadOnlyDictionary<string, PairState>>(new Dictionary<string, PairState>(States, StringComparer.Ordinal));
    }

    public Task RecordTransitionAsync(PairTransition transition, CancellationToken cancellationToken)
    {
        States[transition.Datanode] = transition.To;
        Transitions.Add(transition);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PairTransition>> GetHistoryAsync(string datanode, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PairTransition>>(Transitions.Where(t => t.Datanode == datanode).Reverse().Take(limit).ToArray());
}

/// <summary>
/// The operation store's contract in memory: one unit of work at a time (the write lock), reads inside it see
/// the committed version, <see cref="IOperationUnitOfWork.TryReplaceAsync"/> compares state, plan version and
/// revision, and nothing is visible before commit. <see cref="Full"/> makes every write fail as on a full disk.
/// </summary>
internal sealed class MemoryOperationStore : IOperationStore
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _data = new();
    private readonly Dictionary<long, Operation> _operations = new();
    private readonly List<Operation> _writes = [];
    private long _lastId;

    /// <summary>Every version committed, in order: tests check that steps were stored before and after running.</summary>
    public IReadOnlyList<Operation> Writes
    {
        get
        {
            lock (_data) return _writes.ToArray();
        }
    }

    /// <summary>While true, every write throws <see cref="StoreUnavailableException"/> (reads still work).</summary>
    public bool Full { get; set; }

    /// <summary>The chat outbox that units of work of this store write to (committed with them).</summary>
    public MemoryOutboxStore Outbox { get; } = new();

    /// <summary>Puts <paramref name="operation"/> in the store as it is (next revision), as a bot that died would have left it.</summary>
    public Operation Overwrite(Operation operation)
    {
        lock (_data)
        {
            var stored = operation with { Revision = (_operations.GetValueOrDefault(operation.Id)?.Revision ?? 0) + 1 };
            _operations[operation.Id] = stored;
            _writes.Add(stored);
            return stored;
        }
    }

    public async Task<IOperationUnitOfWork> BeginAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        return new Work(this);
    }

    public Task<Operation?> GetAsync(long id, CancellationToken cancellationToken)
    {
        lock (_data) return Task.FromResult(_operations.GetValueOrDefault(id));
    }

    public Task<IReadOnlyList<Operation>> GetOpenAsync(CancellationToken cancellationToken)
    {
        lock (_data) return Task.FromResult<IReadOnlyList<Operation>>(_operations.Values.Where(o => o.IsOpen).OrderBy(o => o.Id).ToArray());
    }

    public Task<IReadOnlyList<Operation>> GetHistoryAsync(string? datanode, int limit, CancellationToken cancellationToken)
    {
        lock (_data)
            return Task.FromResult<IReadOnlyList<Operation>>(_operations.Values.Where(o => datanode is null || o.Datanode == datanode)
                .OrderByDescending(o => o.Id).Take(limit).ToArray());
    }

    public Task<bool> RenewLeaseAsync(long id, string runner, DateTimeOffset until, CancellationToken cancellationToken)
    {
        ThrowIfFull($"the lease of operation {id}");
        lock (_data)
        {
            if (_operations.GetValueOrDefault(id) is not { State: OperationState.Running } current || current.Runner != runner) return Task.FromResult(false);
            _operations[id] = current with { LeaseExpiresAt = until };
            return Task.FromResult(true);
        }
    }

    private void ThrowIfFull(string what)
    {
        if (Full) throw new StoreUnavailableException($"the store (memory) could not write {what}: the database or its disk is full");
    }

    private sealed class Work(MemoryOperationStore owner) : IOperationUnitOfWork
    {
        private readonly Dictionary<long, Operation> _staged = new();
        private readonly List<Operation> _order = [];
        private readonly List<PgxcBot.Core.Outbox.OutboxEntry> _outbox = [];
        private bool _done;

        public Task EnqueueAsync(IReadOnlyList<PgxcBot.Core.Outbox.OutboxEntry> entries, CancellationToken cancellationToken)
        {
            owner.ThrowIfFull("the chat outbox");
            _outbox.AddRange(entries);
            return Task.CompletedTask;
        }

        private Operation? Current(long id)
        {
            if (_staged.TryGetValue(id, out var staged)) return staged;
            lock (owner._data) return owner._operations.GetValueOrDefault(id);
        }

        public Task<Operation?> GetAsync(long id, CancellationToken cancellationToken) => Task.FromResult(Current(id));

        public Task<IReadOnlyList<Operation>> GetOpenAsync(string datanode, CancellationToken cancellationToken)
        {
            long[] ids;
            lock (owner._data) ids = owner._operations.Keys.Concat(_staged.Keys).Distinct().ToArray();
            return Task.FromResult<IReadOnlyList<Operation>>(ids.Select(Current).OfType<Operation>()
                .Where(o => o.Datanode == datanode && o.IsOpen).OrderBy(o => o.Id).ToArray());
        }

        public Task<Operation> InsertAsync(Operation operation, CancellationToken cancellationToken)
        {
            owner.ThrowIfFull($"a new {operation.Kind}");
            var stored = operation with { Id = Interlocked.Increment(ref owner._lastId), Revision = 1 };
            _staged[stored.Id] = stored;
            _order.Add(stored);
            return Task.FromResult(stored);
        }

        public Task<Operation?> TryReplaceAsync(Operation expected, Operation next, CancellationToken cancellationToken)
        {
            owner.ThrowIfFull($"operation {expected.Id}");
            if (Current(expected.Id) is not { } current || current.State != expected.State || current.Nonce != expected.Nonce || current.Revision != expected.Revision)
                return Task.FromResult<Operation?>(null);
            var written = next with { Revision = expected.Revision + 1 };
            _staged[written.Id] = written;
            _order.Add(written);
            return Task.FromResult<Operation?>(written);
        }

        public Task CommitAsync(CancellationToken cancellationToken)
        {
            owner.ThrowIfFull("a change of operations");
            lock (owner._data)
            {
                foreach (var (id, operation) in _staged) owner._operations[id] = operation;
                owner._writes.AddRange(_order);
            }
            if (_outbox.Count > 0) owner.Outbox.Add(_outbox);
            Release();
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            Release();
            return ValueTask.CompletedTask;
        }

        private void Release()
        {
            if (_done) return;
            _done = true;
            owner._writeLock.Release();
        }
    }
}

internal sealed class MemoryTopologyStore : ITopologyStore
{
    public List<StoredRoles> Saved { get; } = [];

    public Task<IReadOnlyList<StoredRoles>> GetRolesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredRoles>>(Saved.GroupBy(r => r.Datanode).Select(g => g.Last()).ToArray());

    public Task SaveRolesAsync(StoredRoles roles, CancellationToken cancellationToken)
    {
        Saved.Add(roles);
        return Task.CompletedTask;
    }
}

/// <summary>Master sightings in memory.</summary>
internal sealed class MemorySightingStore : PgxcBot.Core.Assessment.IMasterSightingStore
{
    private readonly Dictionary<string, PgxcBot.Core.Assessment.MasterSighting> _sightings = new(StringComparer.Ordinal);

    public Task SaveAsync(string datanode, PgxcBot.Core.Assessment.MasterSighting sighting, CancellationToken cancellationToken)
    {
        _sightings[datanode] = sighting;
        return Task.CompletedTask;
    }

    public Task SaveAllAsync(IReadOnlyList<(string Datanode, PgxcBot.Core.Assessment.MasterSighting Sighting)> sightings, CancellationToken cancellationToken)
    {
        foreach (var (datanode, sighting) in sightings) _sightings[datanode] = sighting;
        return Task.CompletedTask;
    }

    public Task<PgxcBot.Core.Assessment.MasterSighting?> GetAsync(string datanode, CancellationToken cancellationToken) =>
        Task.FromResult(_sightings.GetValueOrDefault(datanode));

    public Task<IReadOnlyDictionary<string, PgxcBot.Core.Assessment.MasterSighting>> GetAllAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, PgxcBot.Core.Assessment.MasterSighting>>(new Dictionary<string, PgxcBot.Core.Assessment.MasterSighting>(_sightings));
}

/// <summary>The outbox contract in memory: ids in enqueue order, pending until completed, posted messages whose
/// delivered id never goes down. <see cref="Full"/> makes writes fail as on a full disk.</summary>
internal sealed class MemoryOutboxStore : PgxcBot.Core.Outbox.IOutboxStore
{
    private readonly Lock _lock = new();
    private readonly List<PgxcBot.Core.Outbox.OutboxEntry> _entries = [];
    private readonly Dictionary<(string, string), PgxcBot.Core.Outbox.PostedMessage> _posted = new();
    private readonly PgxcBot.Core.Outbox.OutboxPulse _pulse = new();
    private long _lastId;

    public bool Full { get; set; }

    /// <summary>Every entry as it stands now (pending and done), in id order.</summary>
    public IReadOnlyList<PgxcBot.Core.Outbox.OutboxEntry> All
    {
        get { lock (_lock) return _entries.ToArray(); }
    }

    internal void Add(IReadOnlyList<PgxcBot.Core.Outbox.OutboxEntry> entries)
    {
        lock (_lock)
            foreach (var entry in entries)
                _entries.Add(entry with { Id = ++_lastId });
        _pulse.Fire();
    }

    private void ThrowIfFull(string what)
    {
        if (Full) throw new StoreUnavailableException($"the store (memory) could not write {what}: the database or its disk is full");
    }

    public Task EnqueueAsync(IReadOnlyList<PgxcBot.Core.Outbox.OutboxEntry> entries, CancellationToken cancellationToken)
    {
        ThrowIfFull("the chat outbox");
        Add(entries);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PgxcBot.Core.Outbox.OutboxEntry>> GetPendingAsync(string target, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
            return Task.FromResult<IReadOnlyList<PgxcBot.Core.Outbox.OutboxEntry>>(_entries.Where(e => e.Target == target && e.DoneAt is null).Take(limit).ToArray());
    }

    public Task CompleteAsync(IReadOnlyList<long> ids, PgxcBot.Core.Outbox.OutboxOutcome outcome, DateTimeOffset at, PgxcBot.Core.Outbox.PostedMessage? posted,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested(); // as a real store's command does
        ThrowIfFull("the delivery of chat messages");
        lock (_lock)
        {
            for (var i = 0; i < _entries.Count; i++)
                if (ids.Contains(_entries[i].Id) && _entries[i].DoneAt is null)
                    _entries[i] = _entries[i] with { DoneAt = at, Outcome = outcome };
            if (posted is not null)
            {
                var key = (posted.Target, posted.MessageKey);
                var before = _posted.GetValueOrDefault(key);
                _posted[key] = posted with { DeliveredId = Math.Max(before?.DeliveredId ?? 0, posted.DeliveredId) };
            }
        }
        return Task.CompletedTask;
    }

    public Task RecordFailureAsync(long id, string error, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfFull($"a failed delivery of chat message {id}");
        lock (_lock)
        {
            var i = _entries.FindIndex(e => e.Id == id && e.DoneAt is null);
            if (i >= 0) _entries[i] = _entries[i] with { Attempts = _entries[i].Attempts + 1, LastError = error, NextAttemptAt = nextAttemptAt };
        }
        return Task.CompletedTask;
    }

    public Task<PgxcBot.Core.Outbox.PostedMessage?> GetPostedAsync(string target, string messageKey, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_posted.GetValueOrDefault((target, messageKey)));
    }

    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_entries.RemoveAll(e => e.CreatedAt < before));
    }

    public Task WaitForEntriesAsync(CancellationToken cancellationToken) => _pulse.WaitAsync(cancellationToken);
}

/// <summary>Refusals kept in memory, newest first on read.</summary>
internal sealed class MemoryRefusalLog : IRefusalLog
{
    public List<OperationRefusal> Kept { get; } = [];

    public Task RecordAsync(OperationRefusal refusal, CancellationToken cancellationToken)
    {
        lock (Kept) Kept.Add(refusal);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<OperationRefusal>> GetAsync(string? datanode, int limit, CancellationToken cancellationToken)
    {
        lock (Kept)
            return Task.FromResult<IReadOnlyList<OperationRefusal>>(Kept.Where(r => datanode is null || r.Datanode == datanode).Reverse().Take(limit).ToArray());
    }
}
