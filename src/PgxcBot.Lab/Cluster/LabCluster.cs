using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PgxcBot.Core.Topology;
using PgxcBot.Lab.Coordinator;
using PgxcBot.Lab.Pairs;

namespace PgxcBot.Lab.Cluster;

/// <summary>
/// A whole lab cluster on loopback: real PostgreSQL pairs (one per datanode) plus coordinator simulators
/// whose pgxc_node routes every datanode to its pair's master, and whose EXECUTE DIRECT relays log in as
/// the pairs' superuser. Disposing it stops the simulators and every pair; it never throws.
/// </summary>
public sealed class LabCluster : IAsyncDisposable
{
    private readonly LabPairSet _pairs;
    private int _disposed;

    private LabCluster(LabPairSet pairs, IReadOnlyList<CoordinatorSimulator> coordinators, string superUser, string? superUserPassword,
        string osUser)
    {
        _pairs = pairs;
        Coordinators = coordinators;
        SuperUser = superUser;
        SuperUserPassword = superUserPassword;
        OsUser = osUser;
    }

    /// <summary>The datanode pairs, named <c>datanode1..N</c>.</summary>
    public IReadOnlyList<LabPair> Pairs => _pairs.Pairs;

    /// <summary>The coordinator simulators, named <c>coord1..M</c>, started.</summary>
    public IReadOnlyList<CoordinatorSimulator> Coordinators { get; }

    /// <summary>The pairs' database superuser (the bot's database user in <see cref="ToTopology"/>).</summary>
    public string SuperUser { get; }

    /// <summary>The superuser's password, or null (loopback is trusted). Never logged.</summary>
    public string? SuperUserPassword { get; }

    /// <summary>The OS user the servers run as (the topology host's user).</summary>
    public string OsUser { get; }

    /// <summary>
    /// Builds <paramref name="pairs"/> pairs (at most <paramref name="maxDegreeOfParallelism"/> at a time)
    /// and starts <paramref name="coordinators"/> simulators routing to their masters. On failure
    /// everything started so far is stopped before the exception propagates.
    /// </summary>
    public static async Task<LabCluster> StartAsync(LabPairOptions pairOptions, int pairs, LabReplicationMode mode,
        int coordinators, int maxDegreeOfParallelism, CancellationToken cancellationToken, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(pairOptions);
        ArgumentOutOfRangeException.ThrowIfNegative(coordinators);
        loggerFactory ??= NullLoggerFactory.Instance;
        var set = await new LabPairBuilder(pairOptions, loggerFactory)
            .BuildManyAsync(pairs, mode, maxDegreeOfParallelism, cancellationToken).ConfigureAwait(false);
        var started = new List<CoordinatorSimulator>();
        try
        {
            for (var i = 1; i <= coordinators; i++)
            {
                var simulator = new CoordinatorSimulator(new CoordinatorSimulatorOptions
                {
                    NodeName = $"coord{i}",
                    Nodes = set.Pairs.Select((p, index) =>
                        SimulatedNode.Datanode(p.Name, p.Master.Address, p.Master.Port, primary: index == 0)).ToArray(),
                    DatanodeUser = pairOptions.SuperUser,
                    DatanodePassword = pairOptions.SuperUserPassword,
                    DatanodeDatabase = "postgres",
                }, loggerFactory.CreateLogger<CoordinatorSimulator>());
                started.Add(simulator);
                await simulator.StartAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            foreach (var simulator in started) await simulator.DisposeAsync().ConfigureAwait(false);
            await set.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new LabCluster(set, started, pairOptions.SuperUser, pairOptions.SuperUserPassword, pairOptions.OsUser);
    }

    /// <summary>The cluster as the bot's topology: one local host "localhost" (127.0.0.1) run as
    /// <see cref="OsUser"/>, flavor PostgreSQL, the superuser as database user with
    /// <paramref name="password"/> as the password reference (null when there is none).</summary>
    public ClusterTopology ToTopology(MonitorSettings monitor, SecretReference? password = null) => new(
        Flavor.PostgreSql,
        [new Host("localhost", "127.0.0.1", TransportKind.Local, 22, OsUser, null, null, null)],
        Pairs.Select(p => p.ToDatanodePair()).ToArray(),
        Coordinators.Select(c => new Core.Topology.Coordinator(c.NodeName, "localhost", c.Host, c.Port)).ToArray(),
        new DatabaseCredentials(SuperUser, "postgres", password),
        monitor,
        StorePath: ":memory:");

    /// <summary>The pair of datanode <paramref name="name"/>.</summary>
    public LabPair Pair(string name) =>
        Pairs.FirstOrDefault(p => p.Name == name) ?? throw new ArgumentException($"The lab cluster has no datanode '{name}'.", nameof(name));

    /// <summary>The simulator named <paramref name="name"/>.</summary>
    public CoordinatorSimulator Coordinator(string name) =>
        Coordinators.FirstOrDefault(c => c.NodeName == name) ?? throw new ArgumentException($"The lab cluster has no coordinator '{name}'.", nameof(name));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        foreach (var simulator in Coordinators)
        {
            try { await simulator.DisposeAsync().ConfigureAwait(false); }
            catch (Exception e) when (e is not OutOfMemoryException) { /* cleanup must go on to the pairs */ }
        }
        await _pairs.DisposeAsync().ConfigureAwait(false);
    }
}
