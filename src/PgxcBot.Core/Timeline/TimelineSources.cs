using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;

namespace PgxcBot.Core.Timeline;

/// <summary>The stored records a timeline is built from (any order; older records than the window may be included:
/// the builder filters). Read by the host from the store; the domain only combines them.</summary>
public sealed record TimelineSources(
    IReadOnlyList<PairTransition> Transitions,
    IReadOnlyList<IncidentEvent> Incidents,
    IReadOnlyList<Operation> Operations,
    IReadOnlyList<OperationRefusal> Refusals);

/// <summary>Reads what a timeline needs from the store. One implementation per store (SQLite).</summary>
public interface ITimelineStore
{
    /// <summary>The records about <paramref name="datanode"/> (every subject when null) from <paramref name="since"/> on,
    /// plus the pair transitions just before it (a commits-blocked window that began earlier still counts).</summary>
    /// <exception cref="StoreUnavailableException">The store cannot be read.</exception>
    Task<TimelineSources> ReadAsync(string? datanode, DateTimeOffset since, CancellationToken cancellationToken);
}
