using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Topology;
using PgxcBot.Hosting;
using PgxcBot.IntegrationTests.Monitoring;
using PgxcBot.Monitoring;
using PgxcBot.Outbox;
using PgxcBot.Lab.Cluster;
using PgxcBot.Lab.Pairs;
using PgxcBot.Lab.Pgxc;
using PgxcBot.Store;

namespace PgxcBot.IntegrationTests.Flavors;

/// <summary>
/// One lab cluster of a flavor — PostgreSQL 15 with simulated coordinators, or a real Postgres-XC / XL
/// cluster (GTM, two coordinators, two datanode pairs with stock standbys) — and the bot on it as the host
/// wires it (config file → options → services). The same scenario code then runs on all three flavors.
/// </summary>
public sealed class FlavorLab : IAsyncDisposable
{
    public static readonly Actor Alice = Actor.Console("alice");
    public static readonly Actor Bob = Actor.Console("bob");

    private readonly ServiceProvider _services;
    private readonly string _folder;
    private MonitorService? _monitor;
    private OutboxSenderService? _sender;

    private FlavorLab(LabCluster cluster, ServiceProvider services, string folder, RecordingNotifier notifications)
    {
        Notifications = notifications;
        Cluster = cluster;
        _services = services;
        _folder = folder;
    }

    /// <summary>What the monitor sent (empty unless the lab was started with the monitor).</summary>
    public RecordingNotifier Notifications { get; }

    private async Task StartMonitorAsync(CancellationToken cancellationToken)
    {
        _sender = _services.GetRequiredService<OutboxSenderService>();
        await _sender.StartAsync(cancellationToken);
        _monitor = _services.GetRequiredService<MonitorService>();
        await _monitor.StartAsync(cancellationToken);
        await _monitor.Started.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
    }

    public LabCluster Cluster { get; }
    public Flavor Flavor => Cluster.Flavor;
    public bool RealCoordinators => Flavor != Flavor.PostgreSql;
    public OperationService Operations => _services.GetRequiredService<OperationService>();
    public IClusterStatusSource Status => _services.GetRequiredService<IClusterStatusSource>();

    /// <summary>The store's records for the timeline (what <c>/pgxc timeline</c> reads).</summary>
    public PgxcBot.Core.Timeline.ITimelineStore Timelines => _services.GetRequiredService<PgxcBot.Core.Timeline.ITimelineStore>();

    /// <param name="monitor">Also runs the monitor as the host wires it (its notifications in
    /// <see cref="Notifications"/>), polling every second.</param>
    public static async Task<FlavorLab> StartAsync(Flavor flavor, CancellationToken cancellationToken, bool cloneSlaves = true, bool monitor = false)
    {
        var options = new LabPairOptions { CloneSlave = cloneSlaves };
        if (flavor != Flavor.PostgreSql) options = options with { Installation = PgxcInstallation.FromEnvironment(flavor) };
        // Without slaves the masters start asynchronous: a synchronous master with no slave blocks every commit.
        var mode = cloneSlaves ? LabReplicationMode.Sync : LabReplicationMode.Async;
        var cluster = await LabCluster.StartAsync(flavor, options, pairs: 2, mode, coordinators: 2,
            maxDegreeOfParallelism: 2, cancellationToken);
        try
        {
            var folder = Directory.CreateTempSubdirectory("pgxcbot-flavor-").FullName;
            // With the monitor: the serving bot, its alerts through the store's outbox and a sender, as in production,
            // to the recording channel.
            var notifications = new RecordingNotifier();
            var services = await LabBotServices.CreateAsync(cluster, folder, cancellationToken,
                monitor ? BotCommand.Serve : BotCommand.Run, monitor ? notifications : null);
            var lab = new FlavorLab(cluster, services.BuildServiceProvider(), folder, notifications);
            if (monitor) await lab.StartMonitorAsync(cancellationToken);
            return lab;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The bot's status now (observe, assess, let the pair machines follow, keep the sightings).</summary>
    public async Task<ClusterAssessment> AssessAsync(CancellationToken cancellationToken) =>
        (await Status.GetAsync(cancellationToken)).Assessment;

    /// <summary>Asks the bot for the status until <paramref name="done"/> holds for datanode <paramref name="datanode"/>.</summary>
    public Task<PairAssessment> UntilAsync(string datanode, Func<PairAssessment, bool> done, string what, CancellationToken cancellationToken) =>
        Support.Poll.UntilAsync(async () => (await AssessAsync(cancellationToken)).Pairs.Single(p => p.Datanode == datanode), done,
            TimeSpan.FromSeconds(90), what, cancellationToken);

    /// <summary>Requests <paramref name="kind"/> as alice, approves it as bob when it waits, and returns the finished operation.</summary>
    public async Task<Operation> RunAsync(string kind, string datanode, CancellationToken cancellationToken, params string[] flags)
    {
        var requested = await Operations.RequestAsync(kind, datanode, flags, Alice, cancellationToken);
        var operation = requested.Operation ?? throw new InvalidOperationException($"{kind} {datanode} refused: {requested.Refusal} Next: {requested.NextStep}");
        if (operation.State == OperationState.AwaitingApproval)
            operation = (await Operations.ApproveAsync(operation.Id, operation.Nonce, Bob, flags, cancellationToken)).Operation!;
        return operation;
    }

    /// <summary>Where application writes go: a coordinator on XC/XL, the datanode master on plain PostgreSQL
    /// (the simulated coordinators hold no data).</summary>
    public string WriteConnection(string datanode = "datanode1") => RealCoordinators
        ? Cluster.AllCoordinators[0].ConnectionString("Pooling=false")
        : Cluster.Pair(datanode).Master.ConnectionString + ";Pooling=false";

    /// <summary>Runs statements on <paramref name="connectionString"/>, one by one, each as text results.</summary>
    public static async Task<List<string>> QueryAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection) { AllResultTypesAreUnknown = true, CommandTimeout = 60 };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : reader.GetString(i))));
        return rows;
    }

    /// <summary>Writes the last lines of every datanode server's log: what a failed scenario needs to be understood.</summary>
    public void WriteLogTails(Action<string> write, int lines = 25)
    {
        foreach (var pair in Cluster.Pairs)
        foreach (var server in new[] { pair.Master, pair.Slave })
        {
            write($"--- {server.Label}: {server.LogFile}");
            try
            {
                foreach (var line in File.ReadLines(server.LogFile).TakeLast(lines)) write(line);
            }
            catch (IOException e)
            {
                write($"(unreadable: {e.Message})");
            }
        }
    }

    public static string Explain(Operation operation) =>
        $"{operation.State}: {operation.Result}\n" + string.Join('\n', operation.Steps.Select(s => $"  {s.StepId}: {s.Status} {s.Summary} {s.Output}"));

    public async ValueTask DisposeAsync()
    {
        if (_monitor is not null) await _monitor.StopAsync(CancellationToken.None);
        if (_sender is not null) await _sender.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
        await Cluster.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
