using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PgxcBot.Chat;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Runbooks;
using PgxcBot.Discord.Gateway;
using PgxcBot.Discord.Interactions;
using PgxcBot.Discord.Rest;
using PgxcBot.Hosting;
using PgxcBot.Tests.Discord.Fake;
using PgxcBot.Tests.Operations;
using PgxcBot.Tests.Rendering;
using PgxcBot.Tests.Support;

namespace PgxcBot.Tests.Discord;

/// <summary>
/// The Discord adapter wired to a fake Discord and to the real chat handler over an in-memory cluster
/// (<see cref="FakeCluster"/>), the way the host wires it. Alice and Bob are DBAs; Mallory is a guest.
/// </summary>
internal sealed class DiscordHarness : IAsyncDisposable
{
    public const string Alice = "5390000000000000001", Bob = "5390000000000000002", Mallory = "5390000000000000003";
    public const string DbaRole = "7770000000000000000", GuestRole = "7770000000000000001";

    public FakeDiscord Fake { get; private set; } = null!;
    public InteractionInjector Inject { get; private set; } = null!;
    public DiscordRestClient Rest { get; private set; } = null!;
    public DiscordApi Api { get; private set; } = null!;
    public InteractionDispatcher Dispatcher { get; private set; } = null!;
    public FakeCluster Cluster { get; private set; } = null!;
    public MemoryPairStateStore Pairs { get; } = new();
    public HttpClient Http { get; } = new();
    public InteractionTimings Timings { get; } = new();
    private readonly CancellationTokenSource _stop = new();
    public CancellationToken Stopping => _stop.Token;

    public static async Task<DiscordHarness> StartAsync(DiscordRestOptions? restOptions = null)
    {
        var harness = new DiscordHarness();
        harness.Fake = await FakeDiscord.StartAsync();
        harness.Inject = new InteractionInjector(harness.Fake);
        var options = restOptions ?? new DiscordRestOptions();
        options.ApiBase = harness.Fake.ApiBase;
        harness.Rest = new DiscordRestClient(harness.Http, options, () => harness.Fake.Token, TimeProvider.System, NullLogger<DiscordRestClient>.Instance);
        harness.Api = new DiscordApi(harness.Rest);

        var topology = RunbookTopologies.TwoNodes();
        harness.Cluster = new FakeCluster(topology);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var policy = new ApprovalPolicy(new HashSet<string>(), new HashSet<string> { DbaRole }, new HashSet<string>(), new HashSet<string> { DbaRole },
            AllowSelfApproval: false, TimeSpan.FromMinutes(10), ApprovalPolicy.DefaultKindsNeedingApproval);
        var operations = new MemoryOperationStore();
        var service = new OperationService(new TopologyState(topology, new MemoryTopologyStore(), time), harness.Cluster, operations,
            new StepExecutor(harness.Cluster, harness.Cluster, TimeProvider.System), harness.Cluster, new SyncEvidenceSource(harness.Cluster.Memory), policy,
            new NoEvents(), new NoSink(), time);
        var handler = new ChatCommandHandler(topology, new FixedStatus(harness), service, operations, harness.Pairs, NullLogger<ChatCommandHandler>.Instance);
        harness.Dispatcher = new InteractionDispatcher(handler, harness.Api, topology.Datanodes.Select(d => d.Name).ToArray(), harness.Timings,
            TimeProvider.System, NullLogger<InteractionDispatcher>.Instance);
        return harness;
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

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Dispatcher.DrainAsync(TimeSpan.FromSeconds(5));
        await Fake.DisposeAsync();
        Http.Dispose();
        _stop.Dispose();
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

    private sealed class NoEvents : IOperationObserver
    {
        public Task OnEventAsync(OperationEvent operationEvent, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class NoSink : IPairOperationSink
    {
        public Task OperationSucceededAsync(Operation operation, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
