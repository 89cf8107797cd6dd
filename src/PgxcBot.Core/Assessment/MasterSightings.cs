namespace PgxcBot.Core.Assessment;

/// <summary>
/// Carries the masters' last sightings across restarts: the first assessment after a start is made with
/// the stored ones, and every assessment stores the sightings it made (masters that answered in its
/// snapshot), so a promote asked for after the master died and the bot restarted is still judged by what
/// the servers proved. Shared by the monitor and the status command.
/// </summary>
public sealed class MasterSightings(IMasterSightingStore? store)
{
    private IReadOnlyDictionary<string, MasterSighting>? _stored;

    /// <summary>The stored sightings (read once); empty without a store.</summary>
    public async Task<IReadOnlyDictionary<string, MasterSighting>> StoredAsync(CancellationToken cancellationToken)
    {
        if (_stored is { } known) return known;
        var loaded = store is null ? new Dictionary<string, MasterSighting>() : await store.GetAllAsync(cancellationToken).ConfigureAwait(false);
        _stored = loaded;
        return loaded;
    }

    /// <summary>Stores the sightings <paramref name="assessment"/> made. Throws what the store throws: the caller logs and goes on.</summary>
    public async Task SaveAsync(ClusterAssessment assessment, CancellationToken cancellationToken)
    {
        if (store is null) return;
        var fresh = assessment.Pairs
            .Where(p => p.LastMasterSighting is { } s && s.At == assessment.Snapshot.TakenAt)
            .Select(p => (p.Datanode, p.LastMasterSighting!))
            .ToArray();
        if (fresh.Length > 0) await store.SaveAllAsync(fresh, cancellationToken).ConfigureAwait(false);
    }
}
