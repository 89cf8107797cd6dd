using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Advice;
using PgxcBot.Core.Replicas;
using PgxcBot.Discord;
using PgxcBot.Hosting;
using PgxcBot.Replicas;
using PgxcBot.Tests.Hosting;
using PgxcBot.Tests.Discord;
using PgxcBot.Tests.Messages;

namespace PgxcBot.Tests.Replicas;

/// <summary>What people see of the replicas (status in chat and on the command line) and what a standby may do.</summary>
public sealed class ReplicaStatusAndStandbyTests : IDisposable
{
    private readonly TempConfigDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private sealed class FixedStatus : IClusterStatusSource
    {
        public Task<ClusterStatus> GetAsync(CancellationToken cancellationToken) =>
            Task.FromResult(new ClusterStatus(Scenarios.Healthy(), new Dictionary<string, PairState>()));
    }

    [Fact]
    public async Task Chat_status_shows_the_replicas_with_a_shared_store_and_nothing_of_them_with_sqlite()
    {
        foreach (var (role, expected) in new (IReplicaRole?, string?)[]
                 {
                     (new FakeReplicaRole("bot-a", active: true), "Bot replica bot-a is active; active: bot-a since"),
                     (new FakeReplicaRole("bot-b", active: false), "Bot replica bot-b is standby; active: bot-a since"),
                     (new FakeReplicaRole("bot-b", active: false) { Failure = FakeReplicaRole.Unreadable() }, "Bot replica bot-b is standby; the lease cannot be read"),
                     (null, null),
                 })
        {
            await using var h = await DiscordHarness.StartAsync(runSender: false, replicas: role);
            var reply = await h.Handler.HandleLineAsync("/pgxc status", new PgxcBot.Core.Operations.Actor("1", "alice", []), default);
            var text = PlainTextRenderer.Render(reply);
            Assert.StartsWith("[OK] Cluster: healthy", text);
            if (expected is null) Assert.DoesNotContain("Bot replica", text, StringComparison.Ordinal);
            else
            {
                Assert.Contains(expected, text);
                if (role!.ReplicaId == "bot-b" && expected.Contains("since", StringComparison.Ordinal))
                    Assert.Matches(@"last heartbeats: bot-a \d+\.\d s ago, bot-b \d+\.\d s ago", text);
            }
        }
    }

    [Fact]
    public async Task Cli_status_shows_the_replicas_as_an_observer_with_a_shared_store_in_text_and_json_and_nothing_with_sqlite()
    {
        var config = _directory.Write("pgxcbot.json", _directory.Runnable().ToJsonString());
        var observer = new FakeReplicaRole("bot-a", active: false, observer: true);
        void Shared(IServiceCollection services)
        {
            services.AddSingleton<IClusterStatusSource>(new FixedStatus());
            services.AddSingleton<IReplicaRole>(observer);
        }

        var text = await CliRun.RunAsync(["status", "--config", config], overrides: Shared);
        Assert.Equal(NagiosCodes.Ok, text.ExitCode);
        // The status process is no replica: it says who is active, not "replica bot-a is standby".
        Assert.Contains("Bot replicas: active: bot-a since", text.Out);
        Assert.Contains("(lease epoch 2); last heartbeats: bot-a", text.Out);
        Assert.DoesNotContain("is standby", text.Out);

        var json = await CliRun.RunAsync(["status", "--config", config, "--json"], overrides: Shared);
        using (var document = JsonDocument.Parse(json.Out))
        {
            var replicas = document.RootElement.GetProperty("replicas");
            Assert.Equal(("bot-a", 2), (replicas.GetProperty("holder").GetString(), replicas.GetProperty("epoch").GetInt32()));
            Assert.Equal(["bot-a", "bot-b"], replicas.GetProperty("heartbeats").EnumerateArray().Select(r => r.GetProperty("replicaId").GetString()!).ToArray());
        }

        var sqlite = await CliRun.RunAsync(["status", "--config", config], overrides: s => s.AddSingleton<IClusterStatusSource>(new FixedStatus()));
        Assert.Equal(NagiosCodes.Ok, sqlite.ExitCode);
        Assert.DoesNotContain("Bot replica", sqlite.Out, StringComparison.Ordinal);
        var sqliteJson = await CliRun.RunAsync(["status", "--config", config, "--json"], overrides: s => s.AddSingleton<IClusterStatusSource>(new FixedStatus()));
        using (var document = JsonDocument.Parse(sqliteJson.Out)) Assert.False(document.RootElement.TryGetProperty("replicas", out _));
    }

    [Fact]
    public void The_standby_refusal_names_the_active_replica_or_says_why_none_can_act()
    {
        var now = new DateTimeOffset(2026, 11, 30, 3, 12, 10, TimeSpan.Zero);
        static string Text(ChatMessage m) => PlainTextRenderer.Render(m);
        var active = FakeReplicaRole.ActiveIsBotA("bot-b", false, now);

        var named = Text(LeadershipText.StandbyRefusal("bot-b", "promote datanode1", active, null, TimeSpan.FromSeconds(15), now));
        Assert.Contains("Not taken: replica bot-b is standby", named);
        Assert.Contains("`promote datanode1` was not run", named);
        Assert.Contains("The active replica bot-a (since 03:07:10 UTC) handles actions.", named);
        Assert.Contains("bot-b takes over within the lease (15 s)", named);

        var expired = Text(LeadershipText.StandbyRefusal("bot-b", "approve 3", active with { ExpiresAt = now.AddSeconds(-2) }, null, TimeSpan.FromSeconds(15), now));
        Assert.Contains("No replica is active right now (the lease of bot-a (epoch 2) expired 2.0 s ago", expired);
        Assert.DoesNotContain("The active replica", expired);

        var never = Text(LeadershipText.StandbyRefusal("bot-b", "sync datanode1", active with { Holder = null }, null, TimeSpan.FromSeconds(15), now));
        Assert.Contains("No replica is active right now (no replica has held the lease yet", never);

        var unreadable = Text(LeadershipText.StandbyRefusal("bot-b", "stop datanode1", null, "connection refused", TimeSpan.FromSeconds(15), now));
        Assert.Contains("The shared store cannot be read (connection refused), so no replica can act now.", unreadable);
    }

    [Fact]
    public void Only_status_plan_history_timeline_and_help_are_read_only_so_a_standby_answers_them()
    {
        Assert.Equal(["status", "help", "plan", "history", "timeline"],
            PgxcBot.Core.Commands.CommandCatalogue.All.Where(c => c.ReadOnly).Select(c => c.Name).ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Status_on_a_replica_that_is_not_active_observes_afresh_but_records_no_state_change_and_no_sighting(bool active)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var topology = RunbookTopologies.TwoNodes();
        var cluster = new FakeCluster(topology);
        var pairs = new MemoryPairStateStore();
        var sightings = new MemorySightingStore();
        using var tracker = new PairStateTracker(pairs, time);
        var source = new ObservedClusterStatus(new PgxcBot.Core.Operations.TopologyState(topology, new MemoryTopologyStore(), time), cluster, tracker, pairs,
            new AssessmentMemory(), new MasterSightings(sightings), new AdviceSource(new MemoryOperationStore(), pairs, time),
            NullLogger<ObservedClusterStatus>.Instance, new FakeReplicaRole("bot-b", active));

        var status = await source.GetAsync(default);
        Assert.Equal(2, status.Assessment.Pairs.Count); // the fresh observation either way
        var recorded = (pairs.Transitions.Count, (await sightings.GetAllAsync(default)).Count);
        if (active) Assert.True(recorded is ( > 0, > 0), $"the active replica records what it saw, got {recorded}");
        else Assert.Equal((0, 0), recorded);
    }

    [Fact]
    public async Task A_one_shot_status_on_a_stored_state_the_servers_contradict_observes_once_shows_reality_and_writes_nothing()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var topology = RunbookTopologies.TwoNodes();
        var cluster = new FakeCluster(topology);
        // Stored long ago (a master lost), while both pairs stream in sync now.
        var stored = new MemoryPairStateStore();
        foreach (var pair in topology.Datanodes) stored.States[pair.Name] = PairState.DegradedMasterLost;
        var pairs = new ReadOnlyPairStates(stored);
        using var tracker = new PairStateTracker(pairs, time);
        var source = new CountingStatus(new ObservedClusterStatus(new PgxcBot.Core.Operations.TopologyState(topology, new MemoryTopologyStore(), time), cluster, tracker,
            pairs, new AssessmentMemory(), new MasterSightings(new MemorySightingStore()), new AdviceSource(new MemoryOperationStore(), pairs, time),
            NullLogger<ObservedClusterStatus>.Instance));

        var status = await new StartupReconciler(source, tracker, NullLogger<StartupReconciler>.Instance).ReconcileAsync(default);

        // The status handed to the command shows what the servers show, from one observation; the file is untouched.
        Assert.NotNull(status);
        Assert.Equal(1, source.Observations);
        Assert.All(status.States.Values, state => Assert.Equal(PairState.Sync, state));
        Assert.Empty(stored.Transitions);
        Assert.All(stored.States.Values, state => Assert.Equal(PairState.DegradedMasterLost, state));
    }

    private sealed class CountingStatus(IClusterStatusSource inner) : IClusterStatusSource
    {
        public int Observations { get; private set; }

        public Task<ClusterStatus> GetAsync(CancellationToken cancellationToken)
        {
            Observations++;
            return inner.GetAsync(cancellationToken);
        }
    }

    [Theory]
    [InlineData(DiscordMode.Http, true)]
    [InlineData(DiscordMode.Gateway, false)]
    public void The_discord_adapter_runs_on_the_standby_in_http_mode_only(DiscordMode mode, bool onStandby)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(RunbookTopologies.TwoNodes() with { Discord = DiscordHarness.Settings with { Mode = mode } });
        services.AddSingleton<IHostApplicationLifetime, Lifetime>();
        services.AddSingleton<DiscordAdapterStatus>();
        services.AddSingleton(new DiscordAdapterOptions());
        services.AddSingleton<DiscordAdapterService>();
        services.AddHostedService(p => p.GetRequiredService<DiscordAdapterService>());
        services.AddSingleton<ILeaderLease>(new SingleReplicaLease("bot-b", TimeProvider.System));
        services.AddSingleton(p => new LeaderElector(p.GetRequiredService<ILeaderLease>(), TimeProvider.System, p.GetRequiredService<ILogger<LeaderElector>>()));
        services.RunOnlyWhileActive();

        using var provider = services.BuildServiceProvider();
        var hosted = Assert.Single(provider.GetServices<IHostedService>());
        Assert.Equal(onStandby, hosted is DiscordAdapterService);
        if (!onStandby) Assert.IsType<DiscordAdapterService>(Assert.IsType<ActiveOnlyHostedService>(hosted).Inner);
    }

    internal sealed class Lifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => CancellationToken.None;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() { }
    }
}
