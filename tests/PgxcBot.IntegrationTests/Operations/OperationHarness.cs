using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Core.Observation;
using PgxcBot.Hosting;
using PgxcBot.IntegrationTests.Ssh;
using PgxcBot.Lab.Coordinator;
using PgxcBot.Store;

namespace PgxcBot.IntegrationTests.Operations;

/// <summary>
/// Everything real but the coordinators: a PostgreSQL 15 pair on loopback, an OpenSSH server through
/// which pg_ctl runs (as the lab's OS user), two simulated coordinators routing datanode1 to the master,
/// a SQLite store in a temp folder, and the bot's own services composed as the host composes them.
/// </summary>
public sealed class OperationHarness : IAsyncDisposable
{
    public static readonly Actor Alice = Actor.Console("alice");
    public static readonly Actor Bob = Actor.Console("bob");

    private readonly string _folder;
    private ServiceProvider? _bot;

    private OperationHarness(LabPair pair, SshServer ssh, CoordinatorSimulator[] coordinators, ClusterTopology topology, string folder)
    {
        Pair = pair;
        Ssh = ssh;
        Coordinators = coordinators;
        Topology = topology;
        _folder = folder;
    }

    public LabPair Pair { get; }
    public SshServer Ssh { get; }
    public CoordinatorSimulator[] Coordinators { get; }
    public ClusterTopology Topology { get; }
    public SqliteStore Store { get; private set; } = null!;

    /// <summary>The host's observer: SQL, then the shell (over SSH) and the GTM where SQL cannot answer.</summary>
    public IClusterObserver Observer { get; private set; } = null!;
    public TopologyState TopologyState { get; private set; } = null!;
    public OperationService Service { get; private set; } = null!;

    /// <param name="options">Lab pair options, e.g. a master without a slave for add-slave tests.</param>
    public static async Task<OperationHarness> StartAsync(LabReplicationMode mode, CancellationToken cancellationToken, LabPairOptions? options = null)
    {
        var pair = await new LabPairBuilder(options).BuildAsync(mode, cancellationToken);
        try
        {
            var ssh = await SshServer.StartAsync("pgxcbot-lab", cancellationToken);
            var coordinators = new CoordinatorSimulator[2];
            for (var i = 0; i < coordinators.Length; i++)
            {
                coordinators[i] = new CoordinatorSimulator(new CoordinatorSimulatorOptions
                {
                    NodeName = $"coord{i + 1}",
                    Nodes = [SimulatedNode.Datanode("datanode1", pair.Master.Address, pair.Master.Port)],
                });
                await coordinators[i].StartAsync(cancellationToken);
            }
            var bin = PgBinaries.Discover().BinDir;
            var hosts = new[] { ssh.Host("node01") with { PgBinDir = bin }, ssh.Host("node02") with { PgBinDir = bin } };
            var topology = new ClusterTopology(Flavor.PostgreSql, hosts,
                [new DatanodePair("datanode1", pair.Master.ToLocation("node01"), pair.Slave.ToLocation("node02"), pair.ApplicationName, null)],
                coordinators.Select(c => new Coordinator(c.NodeName, "node01", c.Host, c.Port)).ToArray(),
                new DatabaseCredentials("postgres", "postgres", null), LabTopology.FastMonitor, "unused")
            {
                Approvals = new ApprovalPolicy(new HashSet<string> { "alice", "bob" }, new HashSet<string>(), new HashSet<string> { "alice", "bob" },
                    new HashSet<string>(), AllowSelfApproval: false, TimeSpan.FromMinutes(10), ApprovalPolicy.DefaultKindsNeedingApproval),
            };
            var harness = new OperationHarness(pair, ssh, coordinators, topology, Directory.CreateTempSubdirectory("pgxcbot-ops-").FullName);
            await harness.RestartBotAsync(cancellationToken);
            return harness;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A fresh set of bot services on the same store, as after a restart of the bot process: nothing is
    /// kept in memory from before. Built as the host composes a one-shot command (<see cref="BotComposition.AddPgxcBot"/>),
    /// with only the harness's topology, its secrets and (when given) <paramref name="events"/> in place of the config's.
    /// </summary>
    public async Task RestartBotAsync(CancellationToken cancellationToken, IOperationObserver? events = null)
    {
        if (_bot is not null) await _bot.DisposeAsync();
        Store = await SqliteStore.OpenAsync(Path.Combine(_folder, "state.db"), null, cancellationToken);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPgxcBot(BotCommand.Run, new BotSetup
        {
            Options = new PgxcBotOptions(),
            Topology = Topology,
            BaseDirectory = _folder,
            Secrets = new TestSecretResolver(),
            Store = new BotStore.Sqlite(Store),
        });
        // The engine's hooks (production keeps them empty): the last registration wins.
        if (events is not null) services.AddSingleton(events);
        _bot = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        Observer = _bot.GetRequiredService<IClusterObserver>();
        TopologyState = _bot.GetRequiredService<TopologyState>();
        Service = _bot.GetRequiredService<OperationService>();
    }

    /// <summary>
    /// What <c>/pgxc status</c> and each poll of the monitor do, through the host's status source: observe, assess
    /// (with the masters' stored sightings after a restart), store the sightings, let the pair states follow, and
    /// apply the advice.
    /// </summary>
    public async Task<ClusterAssessment> ObserveAsync(CancellationToken cancellationToken) =>
        (await _bot!.GetRequiredService<IClusterStatusSource>().GetAsync(cancellationToken)).Assessment;

    public async Task<T> QueryAsync<T>(LabServer server, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>What a coordinator answers for EXECUTE DIRECT ON (datanode1): name|port|in recovery.</summary>
    public static async Task<string> IdentityThroughAsync(CoordinatorSimulator coordinator, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(coordinator.ConnectionString("Server Compatibility Mode=NoTypeLoading"));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("EXECUTE DIRECT ON (datanode1) 'SELECT pgxc_node_str(), inet_server_port(), pg_is_in_recovery()'", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        Assert.True(await reader.ReadAsync(cancellationToken));
        return $"{reader.GetValue(0)}|{reader.GetValue(1)}|{NpgsqlSqlExecutorText(reader.GetValue(2))}";
    }

    private static string NpgsqlSqlExecutorText(object value) => value is bool b ? (b ? "t" : "f") : value.ToString() ?? "";

    public async ValueTask DisposeAsync()
    {
        if (_bot is not null) await _bot.DisposeAsync();
        foreach (var c in Coordinators) await c.DisposeAsync();
        await Ssh.DisposeAsync();
        await Pair.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
