namespace PgxcBot.Lab.Cluster;

/// <summary>
/// A coordinator of a lab cluster, real (<see cref="Pgxc.LabCoordinator"/>, Postgres-XC/XL) or simulated
/// (<see cref="Coordinator.CoordinatorSimulator"/>, the PostgreSQL lab): what tests, the topology and the
/// lab's config file need from either.
/// </summary>
public interface ILabCoordinator
{
    /// <summary>The coordinator's node name (coord1, coord2, ...).</summary>
    string NodeName { get; }

    /// <summary>The address it listens on (127.0.0.1).</summary>
    string Host { get; }

    /// <summary>The TCP port it listens on.</summary>
    int Port { get; }

    /// <summary>An Npgsql connection string for it (pooling off); <paramref name="extra"/> is appended.</summary>
    string ConnectionString(string? extra = null);
}
