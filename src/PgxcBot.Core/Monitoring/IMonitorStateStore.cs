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

    /// <summary>
    /// Stores one round of the monitor in one transaction: the incidents that changed (upserted by key), the degraded
    /// pairs that changed or went, and the chat outbox entries that tell about them. Either all of it is stored (and
    /// the entries will be delivered) or none; throws <see cref="Operations.StoreUnavailableException"/> then.
    /// </summary>
    Task SaveRoundAsync(MonitorRound round, CancellationToken cancellationToken);
}

/// <summary>What one monitor round changed, and what chat is to be told about it (<see cref="IMonitorStateStore.SaveRoundAsync"/>).</summary>
public sealed record MonitorRound(
    IReadOnlyList<Incident> Incidents,
    IReadOnlyList<DegradeRecord> Degraded,
    IReadOnlyList<string> NoLongerDegraded,
    IReadOnlyList<Outbox.OutboxEntry> Outbox)
{
    /// <summary>Nothing to store.</summary>
    public bool IsEmpty => Incidents.Count == 0 && Degraded.Count == 0 && NoLongerDegraded.Count == 0 && Outbox.Count == 0;

    /// <summary>This round after <paramref name="earlier"/> ones that could not be stored: incidents and degrade records
    /// in order (the later write of a key wins), every outbox entry kept, earliest first.</summary>
    public static MonitorRound Merge(IEnumerable<MonitorRound> earlier, MonitorRound round)
    {
        var all = earlier.Append(round).ToArray();
        var incidents = new Dictionary<string, Incident>(StringComparer.Ordinal);
        var degrade = new Dictionary<string, DegradeRecord?>(StringComparer.Ordinal);
        foreach (var r in all)
        {
            foreach (var incident in r.Incidents) incidents[incident.Key] = incident;
            foreach (var record in r.Degraded) degrade[record.Datanode] = record;
            foreach (var datanode in r.NoLongerDegraded) degrade[datanode] = null;
        }
        return new MonitorRound(incidents.Values.ToArray(), degrade.Values.OfType<DegradeRecord>().ToArray(),
            degrade.Where(d => d.Value is null).Select(d => d.Key).ToArray(), all.SelectMany(r => r.Outbox).ToArray());
    }
}
