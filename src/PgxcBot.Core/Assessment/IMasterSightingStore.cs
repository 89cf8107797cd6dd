namespace PgxcBot.Core.Assessment;

/// <summary>
/// Keeps the last sighting of each pair's master across restarts: after the master dies and the bot
/// restarts, it is the only evidence left of whether the slave had every acknowledged commit.
/// </summary>
public interface IMasterSightingStore
{
    /// <summary>Stores <paramref name="sighting"/> as the latest for <paramref name="datanode"/> (replacing the previous one).</summary>
    Task SaveAsync(string datanode, MasterSighting sighting, CancellationToken cancellationToken);

    /// <summary>Stores several in one go (one poll's sightings).</summary>
    Task SaveAllAsync(IReadOnlyList<(string Datanode, MasterSighting Sighting)> sightings, CancellationToken cancellationToken);

    /// <summary>The latest stored sighting of <paramref name="datanode"/>'s master; null when none was stored.</summary>
    Task<MasterSighting?> GetAsync(string datanode, CancellationToken cancellationToken);

    /// <summary>Every stored sighting, by datanode.</summary>
    Task<IReadOnlyDictionary<string, MasterSighting>> GetAllAsync(CancellationToken cancellationToken);
}
