namespace PgxcBot.Core.Monitoring;

/// <summary>
/// What the monitor must remember across restarts: incidents (so an open one is not raised again and a
/// cleared one is still announced) and the pairs it switched to async (so it switches them back to sync).
/// </summary>
public interface IMonitorStateStore
{
    /// <summary>Open and resolving incidents.</summary>
    Task<IReadOnlyList<Incident>> GetActiveIncidentsAsync(CancellationToken cancellationToken);

    /// <summary>Upserts by key, in one transaction.</summary>
    Task SaveIncidentsAsync(IReadOnlyList<Incident> incidents, CancellationToken cancellationToken);

    /// <summary>The monitor's async switches still in progress or awaiting their sync switch, by datanode.</summary>
    Task<IReadOnlyList<AsyncSwitchRecord>> GetAsyncSwitchRecordsAsync(CancellationToken cancellationToken);

    /// <summary>Upserts the async switch of <see cref="AsyncSwitchRecord.Datanode"/>.</summary>
    Task SaveAsyncSwitchAsync(AsyncSwitchRecord record, CancellationToken cancellationToken);

    /// <summary>Forgets the async switch of <paramref name="datanode"/> (ended: back in sync, or nothing left to do).</summary>
    Task RemoveAsyncSwitchAsync(string datanode, CancellationToken cancellationToken);

    /// <summary>
    /// Stores one round of the monitor in one transaction: the incidents that changed (upserted by key), the async
    /// switches that changed or ended, and the chat outbox entries that tell about them. Either all of it is stored (and
    /// the entries will be delivered) or none; throws <see cref="Operations.StoreUnavailableException"/> then.
    /// </summary>
    Task SaveRoundAsync(MonitorRound round, CancellationToken cancellationToken);
}

/// <summary>What one monitor round changed, and what chat is to be told about it (<see cref="IMonitorStateStore.SaveRoundAsync"/>).</summary>
public sealed record MonitorRound(
    IReadOnlyList<Incident> Incidents,
    IReadOnlyList<AsyncSwitchRecord> AsyncSwitches,
    IReadOnlyList<string> EndedAsyncSwitches,
    IReadOnlyList<Outbox.OutboxEntry> Outbox)
{
    /// <summary>Nothing to store.</summary>
    public bool IsEmpty => Incidents.Count == 0 && AsyncSwitches.Count == 0 && EndedAsyncSwitches.Count == 0 && Outbox.Count == 0;

    /// <summary>This round after <paramref name="earlier"/> ones that could not be stored: incidents and async switch records
    /// in order (the later write of a key wins), every outbox entry kept, earliest first.</summary>
    public static MonitorRound Merge(IEnumerable<MonitorRound> earlier, MonitorRound round)
    {
        var all = earlier.Append(round).ToArray();
        var incidents = new Dictionary<string, Incident>(StringComparer.Ordinal);
        var switches = new Dictionary<string, AsyncSwitchRecord?>(StringComparer.Ordinal);
        foreach (var r in all)
        {
            foreach (var incident in r.Incidents) incidents[incident.Key] = incident;
            foreach (var record in r.AsyncSwitches) switches[record.Datanode] = record;
            foreach (var datanode in r.EndedAsyncSwitches) switches[datanode] = null;
        }
        return new MonitorRound(incidents.Values.ToArray(), switches.Values.OfType<AsyncSwitchRecord>().ToArray(),
            switches.Where(d => d.Value is null).Select(d => d.Key).ToArray(), all.SelectMany(r => r.Outbox).ToArray());
    }
}
