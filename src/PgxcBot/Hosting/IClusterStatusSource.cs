namespace PgxcBot.Hosting;

/// <summary>Where the CLI and chat get the current status from: observe, then assess.
/// A seam so that commands can be tested without a cluster.</summary>
public interface IClusterStatusSource
{
    Task<ClusterStatus> GetAsync(CancellationToken cancellationToken);
}
