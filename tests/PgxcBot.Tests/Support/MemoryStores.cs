using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;

namespace PgxcBot.Tests.Support;

/// <summary>In-memory stand-ins for the SQLite store, for tests of the logic above it.</summary>
internal sealed class MemoryPairStateStore : IPairStateStore
{
    public Dictionary<string, PairState> States { get; } = new();
    public List<PairTransition> Transitions { get; } = [];

    public Task<PairState?> GetStateAsync(string datanode, CancellationToken cancellationToken) =>
        Task.FromResult(States.TryGetValue(datanode, out var s) ? s : (PairState?)null);

    public Task RecordTransitionAsync(PairTransition transition, CancellationToken cancellationToken)
    {
        States[transition.Datanode] = transition.To;
        Transitions.Add(transition);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PairTransition>> GetHistoryAsync(string datanode, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PairTransition>>(Transitions.Where(t => t.Datanode == datanode).Reverse().Take(limit).ToArray());
}

internal sealed class MemoryOperationStore : IOperationStore
{
    private readonly Dictionary<long, Operation> _operations = new();

    /// <summary>Every version written, in order: tests check that steps were stored before and after running.</summary>
    public List<Operation> Writes { get; } = [];

    public Task<Operation> CreateAsync(Operation operation, CancellationToken cancellationToken)
    {
        var stored = operation with { Id = _operations.Count + 1 };
        _operations[stored.Id] = stored;
        Writes.Add(stored);
        return Task.FromResult(stored);
    }

    public Task UpdateAsync(Operation operation, CancellationToken cancellationToken)
    {
        _operations[operation.Id] = operation;
        Writes.Add(operation);
        return Task.CompletedTask;
    }

    public Task<Operation?> GetAsync(long id, CancellationToken cancellationToken) =>
        Task.FromResult(_operations.GetValueOrDefault(id));

    public Task<IReadOnlyList<Operation>> GetOpenAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Operation>>(_operations.Values.Where(o => !o.IsFinished).OrderBy(o => o.Id).ToArray());

    public Task<IReadOnlyList<Operation>> GetHistoryAsync(string? datanode, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Operation>>(_operations.Values.Where(o => datanode is null || o.Datanode == datanode)
            .OrderByDescending(o => o.Id).Take(limit).ToArray());
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
