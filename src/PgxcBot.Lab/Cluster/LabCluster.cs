using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PgxcBot.Core.Topology;
using PgxcBot.Lab.Coordinator;
using PgxcBot.Lab.Pairs;
using PgxcBot.Lab.Pgxc;

namespace PgxcBot.Lab.Cluster;

/// <summary>
/// A whole lab cluster on loopback. PostgreSQL flavor: real PostgreSQL pairs (one per datanode) plus
/// coordinator simulators whose pgxc_node routes every datanode to its pair's master, and whose EXECUTE DIRECT
/// relays log in as the pairs' superuser. Postgres-XC/XL flavor: a real GTM, real coordinators and real
/// datanode pairs of the installation, with every pgxc_node catalog filled. Disposing it stops everything
/// (thawing frozen servers first, the GTM last, lingering children of killed postmasters too) and removes
/// the folders; it never throws.
/// </summary>
public sealed class LabCluster : IAsyncDisposable
{
    private readonly LabPairSet _pairs;
    private readonly ILogger _logger;
    private int _disposed;

    private LabCluster(LabPairSet pairs, IReadOnlyList<CoordinatorSimulator> coordinators, string superUser, string? superUserPassword,
        string osUser, ILogger logger)
    {
        _pairs = pairs;
        Coordinators = coordinators;
        RealCoordinators = [];
        AllCoordinators = coordinators;
        SuperUser = superUser;
        SuperUserPassword = superUserPassword;
        OsUser = osUser;
        _logger = logger;
    }

    private LabCluster(PgxcParts parts, string superUser, string? superUserPassword, string osUser, ILogger logger)
        : this(parts.Pairs!, [], superUser, superUserPassword, osUser, logger)
    {
        Installation = parts.Installation;
        Gtm = parts.Gtm;
        Folder = parts.Folder;
        RealCoordinators = parts.Coordinators.Select(c => c!).ToArray();
        AllCoordinators = RealCoordinators;
    }

    /// <summary>PostgreSQL (pairs and simulators), Postgres-XC or Postgres-XL (all real).</summary>
    public Flavor Flavor => Installation?.Flavor ?? Flavor.PostgreSql;

    /// <summary>The Postgres-XC/XL installation the servers run from; null for PostgreSQL.</summary>
    public PgxcInstallation? Installation { get; }

    /// <summary>The GTM (Postgres-XC/XL); null for PostgreSQL.</summary>
    public LabGtm? Gtm { get; }

    /// <summary>The cluster's own folder (GTM, coordinators, pairs) for Postgres-XC/XL; null for PostgreSQL,
    /// whose pairs each have their own folder under the options' TempRoot.</summary>
    public string? Folder { get; }

    /// <summary>The datanode pairs, named <c>datanode1..N</c>.</summary>
    public IReadOnlyList<LabPair> Pairs => _pairs.Pairs;

    /// <summary>The coordinator simulators, named <c>coord1..M</c>, started; empty on Postgres-XC/XL (see
    /// <see cref="RealCoordinators"/>, and <see cref="AllCoordinators"/> for either).</summary>
    public IReadOnlyList<CoordinatorSimulator> Coordinators { get; }

    /// <summary>The real coordinators (Postgres-XC/XL), named <c>coord1..M</c>; empty for PostgreSQL.</summary>
    public IReadOnlyList<LabCoordinator> RealCoordinators { get; }

    /// <summary>Every coordinator, real or simulated, in name order.</summary>
    public IReadOnlyList<ILabCoordinator> AllCoordinators { get; }

    /// <summary>The pairs' database superuser (the bot's database user in <see cref="ToTopology"/>).</summary>
    public string SuperUser { get; }

    /// <summary>The superuser's password, or null (loopback is trusted). Never logged.</summary>
    public string? SuperUserPassword { get; }

    /// <summary>The OS user the servers run as (the topology host's user).</summary>
    public string OsUser { get; }

    /// <summary>Where the topology host's pg_ctl and friends live: the installation's bin for XC/XL; null
    /// for PostgreSQL (the bot finds them as before).</summary>
    public string? PgBinDir => Installation?.BinDir;

    /// <summary>
    /// Builds <paramref name="pairs"/> pairs (at most <paramref name="maxDegreeOfParallelism"/> at a time)
    /// and starts <paramref name="coordinators"/> simulators routing to their masters, their catalogs as pgxc_ctl
    /// leaves a real cluster's (every coordinator listed, each datanode's own row typed datanode). On failure
    /// everything started so far is stopped before the exception propagates.
    /// </summary>
    public static async Task<LabCluster> StartAsync(LabPairOptions pairOptions, int pairs, LabReplicationMode mode,
        int coordinators, int maxDegreeOfParallelism, CancellationToken cancellationToken, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(pairOptions);
        ArgumentOutOfRangeException.ThrowIfNegative(coordinators);
        if (pairOptions.Installation is not null)
            return await StartAsync(pairOptions.Installation.Flavor, pairOptions, pairs, mode, coordinators, maxDegreeOfParallelism,
                cancellationToken, loggerFactory).ConfigureAwait(false);
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
                    // As pgxc_ctl leaves a real cluster (and the real lab builds one): each datanode's own row typed datanode.
                    DatanodeSelfRowIsCoordinator = false,
                }, loggerFactory.CreateLogger<CoordinatorSimulator>());
                started.Add(simulator);
                await simulator.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            // Every catalog lists every coordinator, as on a real cluster (the coordinator contract tests compare them);
            // ports are known only once each simulator is bound.
            foreach (var simulator in started)
                foreach (var other in started.Where(o => o != simulator))
                    simulator.AddNode(SimulatedNode.Coordinator(other.NodeName, other.Host, other.Port));
        }
        catch
        {
            foreach (var simulator in started) await simulator.DisposeAsync().ConfigureAwait(false);
            await set.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new LabCluster(set, started, pairOptions.SuperUser, pairOptions.SuperUserPassword, pairOptions.OsUser,
            loggerFactory.CreateLogger<LabCluster>());
    }

    /// <summary>
    /// Builds a lab cluster of <paramref name="flavor"/>. PostgreSQL: as the overload without a flavor (pairs and
    /// simulators). Postgres-XC/XL: the installation of <see cref="LabPairOptions.Installation"/>, else of the
    /// flavor's variable (<c>PGXCBOT_XC_HOME</c> / <c>PGXCBOT_XL_HOME</c>); a GTM, <paramref name="coordinators"/>
    /// real coordinators (at least one) and <paramref name="pairs"/> datanode pairs built side by side (pairs at most
    /// <paramref name="maxDegreeOfParallelism"/> at a time), then every pgxc_node catalog filled and the pools
    /// reloaded. On failure everything started so far is stopped and removed before the exception propagates.
    /// </summary>
    /// <exception cref="PgxcInstallationException">No installation: the variable is unset or names no installation;
    /// the message names the variable and how to set it.</exception>
    /// <exception cref="ArgumentException">The options' installation is of another flavor.</exception>
    public static async Task<LabCluster> StartAsync(Flavor flavor, LabPairOptions pairOptions, int pairs, LabReplicationMode mode,
        int coordinators, int maxDegreeOfParallelism, CancellationToken cancellationToken, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(pairOptions);
        if (flavor == Flavor.PostgreSql)
        {
            if (pairOptions.Installation is not null)
                throw new ArgumentException($"The options name a {pairOptions.Installation.Flavor} installation, but the flavor is PostgreSql.", nameof(pairOptions));
            return await StartAsync(pairOptions, pairs, mode, coordinators, maxDegreeOfParallelism, cancellationToken, loggerFactory).ConfigureAwait(false);
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pairs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(coordinators);
        var installation = pairOptions.Installation ?? PgxcInstallation.FromEnvironment(flavor)
            ?? throw new PgxcInstallationException($"{PgxcInstallation.VariableFor(flavor)} is not set: {PgxcInstallation.HowToSet(flavor)}.");
        if (installation.Flavor != flavor)
            throw new ArgumentException($"The options name a {installation.Flavor} installation, but the flavor is {flavor}.", nameof(pairOptions));
        loggerFactory ??= NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<LabCluster>();
        var parts = await PgxcClusterBuilder.BuildAsync(installation, pairOptions with { Installation = installation }, pairs, mode,
            coordinators, maxDegreeOfParallelism, loggerFactory, cancellationToken).ConfigureAwait(false);
        return new LabCluster(parts, pairOptions.SuperUser, pairOptions.SuperUserPassword, pairOptions.OsUser, logger);
    }

    /// <summary>The cluster as the bot's topology: one local host "localhost" (127.0.0.1) run as
    /// <see cref="OsUser"/> (with the installation's bin as pgBinDir on XC/XL), this cluster's flavor, every
    /// coordinator, the superuser as database user with <paramref name="password"/> as the password reference
    /// (null when there is none).</summary>
    public ClusterTopology ToTopology(MonitorSettings monitor, SecretReference? password = null) => new(
        Flavor,
        [new Host("localhost", "127.0.0.1", TransportKind.Local, 22, OsUser, null, null, null) { PgBinDir = PgBinDir }],
        Pairs.Select(p => p.ToDatanodePair()).ToArray(),
        AllCoordinators.Select(c => new Core.Topology.Coordinator(c.NodeName, "localhost", c.Host, c.Port)).ToArray(),
        new DatabaseCredentials(SuperUser, "postgres", password),
        monitor,
        StorePath: ":memory:")
    {
        Gtm = Gtm is { } gtm ? new GtmSettings(new GtmServer("gtm", "localhost", "127.0.0.1", gtm.Port), gtm.DataDir, []) : null,
    };

    /// <summary>The pair of datanode <paramref name="name"/>.</summary>
    public LabPair Pair(string name) =>
        Pairs.FirstOrDefault(p => p.Name == name) ?? throw new ArgumentException($"The lab cluster has no datanode '{name}'.", nameof(name));

    /// <summary>The simulator named <paramref name="name"/> (PostgreSQL flavor).</summary>
    public CoordinatorSimulator Coordinator(string name) =>
        Coordinators.FirstOrDefault(c => c.NodeName == name) ?? throw new ArgumentException($"The lab cluster has no coordinator simulator '{name}'.", nameof(name));

    /// <summary>The real coordinator named <paramref name="name"/> (Postgres-XC/XL).</summary>
    public LabCoordinator RealCoordinator(string name) =>
        RealCoordinators.FirstOrDefault(c => c.NodeName == name) ?? throw new ArgumentException($"The lab cluster has no real coordinator '{name}'.", nameof(name));

    /// <summary>
    /// Processes still running for this cluster: working in its folders (every postgres and gtm process runs
    /// in its data directory, orphaned children too) or naming them on their command line. Empty after a
    /// clean teardown. Processes of other labs, even of the same OS user, are not counted.
    /// </summary>
    public IReadOnlyList<int> ProcessesLeft()
    {
        var folders = Folder is { } folder ? [folder] : Pairs.Select(p => p.Folder).ToArray();
        return folders.SelectMany(f => PosixProcesses.RunningIn(f).Concat(PosixProcesses.Naming(f))).Distinct().ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        foreach (var simulator in Coordinators)
        {
            try { await simulator.DisposeAsync().ConfigureAwait(false); }
            catch (Exception e) when (e is not OutOfMemoryException) { /* cleanup must go on to the pairs */ }
        }
        if (Installation is null)
        {
            await _pairs.DisposeAsync().ConfigureAwait(false);
            return;
        }
        await PgxcClusterBuilder.TearDownAsync(new PgxcParts(Installation, Folder!, Gtm, RealCoordinators.ToArray(), _pairs), _logger)
            .ConfigureAwait(false);
    }
}
