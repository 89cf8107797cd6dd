using PgxcBot.Chat;
using PgxcBot.Discord;
using PgxcBot.Discord.Gateway;
using PgxcBot.Discord.Interactions;
using PgxcBot.Discord.Outbox;
using PgxcBot.Discord.Rest;
using PgxcBot.Hosting;
using PgxcBot.Outbox;
using PgxcBot.Tests.Messages;

namespace PgxcBot.Tests.Discord;

/// <summary>
/// The Discord adapter wired to a fake Discord and to the real chat handler over an in-memory cluster
/// (<see cref="FakeCluster"/>), the way the host wires it: operations in a SQLite store (a temp file) whose outbox
/// the Discord sender delivers. Alice and Bob are DBAs; Mallory is a guest.
/// </summary>
internal sealed class DiscordHarness : IAsyncDisposable
{
    public const string Alice = "5390000000000000001", Bob = "5390000000000000002", Mallory = "5390000000000000003";
    public const string DbaRole = "7770000000000000000", GuestRole = "7770000000000000001";
    public const string OnCallRole = "1900000000000000000";

    public FakeDiscord Fake { get; private set; } = null!;
    public InteractionInjector Inject { get; private set; } = null!;
    public DiscordRestClient Rest { get; private set; } = null!;
    public DiscordApi Api { get; private set; } = null!;
    public InteractionDispatcher Dispatcher { get; private set; } = null!;
    public FakeCluster Cluster { get; private set; } = null!;
    public MemoryPairStateStore Pairs { get; } = new();
    public HttpClient Http { get; } = new();
    public InteractionTimings Timings { get; } = new();
    public InteractionResponses Responses { get; } = new();
    public DiscordAdapterStatus Status { get; } = new();
    public SqliteStore Store { get; private set; } = null!;
    public SqliteOutboxStore Outbox { get; private set; } = null!;

    /// <summary>The timeline records and lag samples in <see cref="Store"/>, and the pictures drawn from them.</summary>
    public SqliteTimelineStore Timeline { get; private set; } = null!;
    public PgxcBot.Pictures.ChatPictures Pictures { get; private set; } = null!;
    public OutboxAnnouncer Announcer { get; private set; } = null!;
    public OperationService Service { get; private set; } = null!;
    public ChatCommandHandler Handler { get; private set; } = null!;
    public SqliteOperationStore Operations { get; private set; } = null!;
    public DiscordOutboxChannel Channel { get; private set; } = null!;
    public OutboxSenderOptions SenderOptions { get; private set; } = new() { LookEvery = TimeSpan.FromMilliseconds(200), BackoffBase = TimeSpan.FromMilliseconds(50), BackoffMax = TimeSpan.FromMilliseconds(500) };
    public TimeProvider SenderTime { get; private set; } = TimeProvider.System;
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);
    public ClusterTopology Topology { get; } = RunbookTopologies.TwoNodes();

    /// <summary>Awaited at every event of every operation, in the engine (a test's hook, e.g. a step that takes long).</summary>
    public Func<OperationEvent, Task>? OnEvent { get; set; }

    public static readonly DiscordSettings Settings = new(DiscordMode.Gateway, InteractionInjector.ApplicationId, InteractionInjector.GuildId, InteractionInjector.ChannelId,
        OnCallRole, new SecretReference { Env = "X" }, null, null, "127.0.0.1", 0, "/interactions", TimeSpan.FromMinutes(5), false);

    private readonly string _folder = Directory.CreateTempSubdirectory("pgxcbot-discord-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private CancellationTokenSource? _senderStop;
    private Task _sender = Task.CompletedTask;
    public CancellationToken Stopping => _stop.Token;

    /// <param name="senderTime">The clock of the outbox sender and channel (token age, back-off); the system clock by default.</param>
    /// <param name="senderOptions">The sender's pacing; by default short (tests on the system clock).</param>
    /// <param name="replicas">This process as one of two replicas on a shared store (a standby refuses actions); none: SQLite.</param>
    public static async Task<DiscordHarness> StartAsync(DiscordRestOptions? restOptions = null, TimeProvider? senderTime = null, bool runSender = true,
        DiscordOutboxOptions? outboxOptions = null, OutboxSenderOptions? senderOptions = null, PgxcBot.Core.Replicas.IReplicaRole? replicas = null)
    {
        var harness = new DiscordHarness { SenderTime = senderTime ?? TimeProvider.System };
        if (senderOptions is not null) harness.SenderOptions = senderOptions;
        harness.Fake = await FakeDiscord.StartAsync();
        harness.Inject = new InteractionInjector(harness.Fake);
        var options = restOptions ?? new DiscordRestOptions();
        options.ApiBase = harness.Fake.ApiBase;
        harness.Rest = new DiscordRestClient(harness.Http, options, () => harness.Fake.Token, TimeProvider.System, NullLogger<DiscordRestClient>.Instance);
        harness.Api = new DiscordApi(harness.Rest);

        harness.Store = await SqliteStore.OpenAsync(Path.Combine(harness._folder, "state.db"), null, default);
        harness.Outbox = new SqliteOutboxStore(harness.Store);
        harness.Timeline = new SqliteTimelineStore(harness.Store);
        harness.Pictures = new PgxcBot.Pictures.ChatPictures(new PgxcBot.Charts.ScottPlotChartRenderer(), harness.Timeline, harness.Timeline, TimeProvider.System,
            NullLogger<PgxcBot.Pictures.ChatPictures>.Instance);
        var topology = harness.Topology;
        harness.Cluster = new FakeCluster(topology);
        var time = harness.Time;
        var policy = TestApprovals.ByRole(DbaRole);
        var operations = new SqliteOperationStore(harness.Store, time);
        harness.Announcer = new OutboxAnnouncer(new OutboxRoutes([new OutboxRoute(DiscordOutboxChannel.TargetName, ProgressStyle.Message, Alerts: true)]), time);
        harness.Service = new OperationService(new TopologyState(topology, new MemoryTopologyStore(), time), harness.Cluster, operations,
            new StepExecutor(harness.Cluster, harness.Cluster, TimeProvider.System), harness.Cluster, new SyncEvidenceSource(harness.Cluster.Memory), policy,
            new Hook(harness), NullPairOperationSink.Instance, time, new OperationRuns(), harness.Announcer);
        var handler = new ChatCommandHandler(topology, new FixedStatus(harness), harness.Service, operations, harness.Pairs, NullLogger<ChatCommandHandler>.Instance,
            timelines: harness.Timeline, pictures: harness.Pictures, replicas: replicas);
        harness.Handler = handler;
        harness.Operations = operations;
        harness.Dispatcher = new InteractionDispatcher(handler, harness.Api, topology.Datanodes.Select(d => d.Name).ToArray(), harness.Timings,
            TimeProvider.System, NullLogger<InteractionDispatcher>.Instance, harness.Responses, replicas);
        harness.Channel = new DiscordOutboxChannel(harness.Api, Settings, harness.Responses, outboxOptions ?? new DiscordOutboxOptions(), harness.Status,
            harness.SenderTime, NullLogger<DiscordOutboxChannel>.Instance);
        if (runSender) harness.StartSender();
        return harness;
    }

    /// <summary>Starts the Discord outbox sender (as a restarted bot would).</summary>
    public void StartSender()
    {
        _senderStop = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var sender = new OutboxSender(Outbox, Channel, SenderOptions, SenderTime, NullLogger<OutboxSender>.Instance, Pictures);
        _sender = sender.RunAsync(_senderStop.Token);
    }

    /// <summary>Stops the sender (as a bot that dies would); what it did not deliver stays in the outbox.</summary>
    public async Task StopSenderAsync()
    {
        if (_senderStop is null) return;
        await _senderStop.CancelAsync();
        await _sender;
        _senderStop.Dispose();
        _senderStop = null;
    }

    /// <summary>The runbook's failure: datanode1's master died while its slave was in sync.</summary>
    public void MasterDiedWhileSync()
    {
        Cluster.Sight();
        Pairs.States["datanode1"] = PairState.DegradedMasterLost;
        Pairs.Transitions.Add(new PairTransition("datanode1", DateTimeOffset.UtcNow, PairState.Sync, PairState.DegradedMasterLost, PairTrigger.ObservedMasterLost, "master lost"));
        Cluster.Servers["node01:20006"].Running = false;
    }

    public GatewayClient Gateway(GatewayOptions? options = null) =>
        new(Api, () => Fake.Token, interaction => Dispatcher.Start(interaction, Stopping),
            options ?? FastGateway(), TimeProvider.System, NullLogger<GatewayClient>.Instance);

    public static GatewayOptions FastGateway() => new()
    {
        InvalidSessionDelayMin = TimeSpan.FromMilliseconds(10),
        InvalidSessionDelayMax = TimeSpan.FromMilliseconds(20),
        BackoffBase = TimeSpan.FromMilliseconds(20),
        BackoffMax = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>Requests sent with this interaction's token (callback first, then webhook edits), in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> AnswersTo(JsonObject interaction)
    {
        var token = interaction["token"]!.GetValue<string>();
        return Fake.Requests.Where(r => r.Path.Contains("/" + token, StringComparison.Ordinal)).ToArray();
    }

    /// <summary>The outbox entries still waiting for Discord.</summary>
    public async Task<IReadOnlyList<OutboxEntry>> PendingAsync() => await Outbox.GetPendingAsync(DiscordOutboxChannel.TargetName, 1000, default);

    public async ValueTask DisposeAsync()
    {
        Fake.ReleaseHangs();
        await _stop.CancelAsync();
        await _sender;
        await Dispatcher.DrainAsync(TimeSpan.FromSeconds(5));
        await Fake.DisposeAsync();
        Http.Dispose();
        _stop.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    /// <summary>When set, status waits for it: a slow cluster.</summary>
    public TaskCompletionSource? StatusGate { get; set; }

    private sealed class FixedStatus(DiscordHarness harness) : IClusterStatusSource
    {
        public async Task<ClusterStatus> GetAsync(CancellationToken cancellationToken)
        {
            if (harness.StatusGate is { } gate) await gate.Task.WaitAsync(cancellationToken);
            return new ClusterStatus(Scenarios.Healthy(), new Dictionary<string, PairState>());
        }
    }

    private sealed class Hook(DiscordHarness harness) : IOperationObserver
    {
        public Task OnEventAsync(OperationEvent operationEvent, CancellationToken cancellationToken) =>
            harness.OnEvent?.Invoke(operationEvent) ?? Task.CompletedTask;
    }
}
