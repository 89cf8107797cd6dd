namespace PgxcBot.Core.Monitoring;

/// <summary>
/// What the monitor must remember across restarts: incidents (so an open one is not raised again and a
/// cleared one is still announced) and the pairs it degraded (so it re-enables their sync).
/// </summary>
public interface IMonitorStateStore
{
    /// <summary>Open and resolving incidents.</summary>
    Task<IReadOnlyList<Incident>> GetActiveIncidentsAsync(CancellationToken cancellationToken);

    /// <summary>Upserts by key, in one transaction.</summary>
    Task SaveIncidentsAsync(IReadOnlyList<Incident> incidents, CancellationToken cancellationToken);

    Task<IReadOnlyList<DegradeRecord>> GetDegradeRecordsAsync(CancellationToken cancellationToken);

    Task SaveDegradeAsync(DegradeRecord record, CancellationToken cancellationToken);

    Task RemoveDegradeAsync(string datanode, CancellationToken cancellationToken);
}
