using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Chat;
using PgxcBot.Core.Remote;
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
/// The serving bot as the host composes it (<see cref="BotComposition.AddPgxcBot"/>, <see cref="BotCommand.Serve"/>) over
/// a SQLite store (a temp file) whose outbox the Discord sender delivers, with only its fakes in place: a fake Discord
/// (its API base and token), an in-memory cluster (<see cref="FakeCluster"/>: observer, shell, SQL, the master's
/// sightings), in-memory pair states, a fixed status, the engine's test hook, the adapter's timings and the clock
/// (<paramref name="senderTime"/> of <see cref="StartAsync"/>). The monitor is composed but not started. Alice and Bob
/// are DBAs; Mallory is a guest.
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

    /// <summary>The test's own HTTP client (for the interactions endpoint).</summary>
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
    public IOperationStore Operations { get; private set; } = null!;
    public DiscordOutboxChannel Channel { get; private set; } = null!;
    public OutboxSenderOptions SenderOptions { get; private set; } = new() { LookEvery = TimeSpan.FromMilliseconds(200), BackoffBase = TimeSpan.FromMilliseconds(50), BackoffMax = TimeSpan.FromMilliseconds(500) };

    /// <summary>The bot's clock (the container's <see cref="TimeProvider"/>): the outbox sender's and the channel's (token
    /// age, back-off), the operations', the adapter's.</summary>
    public TimeProvider SenderTime { get; private set; } = TimeProvider.System;

    /// <summary>The topology the bot is composed with: two nodes, approvals by <see cref="DbaRole"/>, Discord as <see cref="Settings"/>.</summary>
    public required ClusterTopology Topology { get; init; }

    /// <summary>The composed bot, for a test that resolves more of it (the monitor).</summary>
    public IServiceProvider Bot => _bot;

    /// <summary>Awaited at every event of every operation, in the engine (a test's hook, e.g. a step that takes long).</summary>
    public Func<OperationEvent, Task>? OnEvent { get; set; }

    public static readonly DiscordSettings Settings = new(DiscordMode.Gateway, InteractionInjector.ApplicationId, InteractionInjector.GuildId, InteractionInjector.ChannelId,
        OnCallRole, new SecretReference { Env = "X" }, null, null, "127.0.0.1", 0, "/interactions", TimeSpan.FromMinutes(5), false);

    private readonly string _folder = Directory.CreateTempSubdirectory("pgxcbot-discord-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private ServiceProvider _bot = null!;
    private CancellationTokenSource? _senderStop;
    private Task _sender = Task.CompletedTask;
    public CancellationToken Stopping => _stop.Token;

    /// <param name="senderTime">The bot's clock (the outbox sender's and channel's token age and back-off included); the system clock by default.</param>
    /// <param name="senderOptions">The sender's pacing; by default short (tests on the system clock).</param>
    /// <param name="replicas">This process as one of two replicas on a shared store (a standby refuses actions); none: SQLite.</param>
    /// <param name="alerts">The topology's alert settings (the monitor's reminders), when not the default.</param>
    /// <param name="fakes">More of the test's fakes, registered after the harness's (each replaces the root's registration).</param>
    public static async Task<DiscordHarness> StartAsync(DiscordRestOptions? restOptions = null, TimeProvider? senderTime = null, bool runSender = true,
        DiscordOutboxOptions? outboxOptions = null, OutboxSenderOptions? senderOptions = null, PgxcBot.Core.Replicas.IReplicaRole? replicas = null,
        AlertSettings? alerts = null, Action<IServiceCollection>? fakes = null)
    {
        var topology = RunbookTopologies.TwoNodes() with { Approvals = TestApprovals.ByRole(DbaRole), Discord = Settings };
        var harness = new DiscordHarness { SenderTime = senderTime ?? TimeProvider.System, Topology = alerts is null ? topology : topology with { Alerts = alerts } };
        if (senderOptions is not null) harness.SenderOptions = senderOptions;
        harness.Fake = await FakeDiscord.StartAsync();
        harness.Inject = new InteractionInjector(harness.Fake);
        var rest = restOptions ?? new DiscordRestOptions();
        rest.ApiBase = harness.Fake.ApiBase;
        harness.Store = await SqliteStore.OpenAsync(Path.Combine(harness._folder, "state.db"), null, default);
        harness.Cluster = new FakeCluster(harness.Topology);

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPgxcBot(BotCommand.Serve, new BotSetup
        {
            Options = new PgxcBotOptions(),
            Topology = harness.Topology,
            BaseDirectory = harness._folder,
            Secrets = new PgxcBot.Secrets.SecretResolver(_ => harness.Fake.Token),
            Store = new BotStore.Sqlite(harness.Store),
        });
        // The fakes, each replacing the registration the root made (the last one wins).
        services.AddSingleton(harness.SenderTime);
        services.AddSingleton<IClusterObserver>(harness.Cluster);
        services.AddSingleton<IRemoteShell>(harness.Cluster);
        services.AddSingleton<ISqlExecutor>(harness.Cluster);
        services.AddSingleton(harness.Cluster.Memory);
        services.AddSingleton<IPairStateStore>(harness.Pairs);
        services.AddSingleton<IPairOperationSink>(NullPairOperationSink.Instance);
        services.AddSingleton<IClusterStatusSource>(new FixedStatus(harness));
        services.AddSingleton<IOperationObserver>(new Hook(harness));
        services.AddSingleton(rest);
        services.AddSingleton(harness.Timings);
        services.AddSingleton(harness.Responses);
        services.AddSingleton(harness.Status);
        services.AddSingleton(outboxOptions ?? new DiscordOutboxOptions());
        services.AddSingleton(harness.SenderOptions);
        if (replicas is not null) services.AddSingleton(replicas);
        fakes?.Invoke(services);
        harness._bot = services.BuildServiceProvider();

        var bot = harness._bot;
        harness.Rest = bot.GetRequiredService<DiscordRestClient>();
        harness.Api = bot.GetRequiredService<DiscordApi>();
        harness.Outbox = (SqliteOutboxStore)bot.GetRequiredService<IOutboxStore>();
        harness.Timeline = (SqliteTimelineStore)bot.GetRequiredService<PgxcBot.Core.Timeline.ITimelineStore>();
        harness.Pictures = bot.GetRequiredService<PgxcBot.Pictures.ChatPictures>();
        harness.Announcer = bot.GetRequiredService<OutboxAnnouncer>();
        harness.Service = bot.GetRequiredService<OperationService>();
        harness.Handler = bot.GetRequiredService<ChatCommandHandler>();
        harness.Operations = bot.GetRequiredService<IOperationStore>();
        harness.Dispatcher = bot.GetRequiredService<InteractionDispatcher>();
        harness.Channel = bot.GetRequiredService<DiscordOutboxChannel>();
        if (runSender) harness.StartSender();
        return harness;
    }

    /// <summary>Starts the Discord outbox sender (as a restarted bot would: a fresh one, as the host's sender service makes it).</summary>
    public void StartSender()
    {
        _senderStop = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var sender = ActivatorUtilities.CreateInstance<OutboxSenderService>(_bot).For(DiscordOutboxChannel.TargetName)!;
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
        await _bot.DisposeAsync();
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
