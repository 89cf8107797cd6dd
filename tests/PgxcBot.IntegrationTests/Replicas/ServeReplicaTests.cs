using System.Text.Json.Nodes;
using PgxcBot.Core.Runbooks;
using PgxcBot.Store.Postgres;
using PgxcBot.Tests.Discord.Fake;
using PgxcBot.IntegrationTests.Store;

namespace PgxcBot.IntegrationTests.Replicas;

/// <summary>
/// Two whole bots (<c>pgxcbot serve</c>, the host's own wiring, each its own process) on one PostgreSQL store, a lab
/// pair in sync with two coordinators, and Discord simulated (the gateway, which only the active replica holds).
/// The bots' /healthz says which one is active. Lease 3 s to keep the tests short. The leader killed while idle, during an
/// incident (its page not yet posted), and mid-promote after the fence; or frozen mid-promote past its lease and woken
/// once the other finished.
/// </summary>
public sealed class ServeReplicaTests(StoreServer store, ITestOutputHelper output) : IClassFixture<StoreServer>, IAsyncLifetime
{
    private const double LeaseSeconds = 3;
    private const string Alice = "5390000000000000001", Bob = "5390000000000000002";

    private readonly string _folder = Directory.CreateTempSubdirectory("pgxcbot-serve-replicas-").FullName;
    private readonly Dictionary<ChildProcess, int> _httpPorts = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(5));
    private FakeDiscord _discord = null!;
    private LabCluster _cluster = null!;
    private string _storeUrl = "";
    private PostgresStore? _reader;

    private CancellationToken Ct => _timeout.Token;

    public async Task InitializeAsync()
    {
        _storeUrl = await store.CreateDatabaseAsync();
        _discord = await FakeDiscord.StartAsync();
        _cluster = await LabCluster.StartAsync(new LabPairOptions(), pairs: 1, LabReplicationMode.Sync, coordinators: 2, maxDegreeOfParallelism: 2, Ct);
    }

    public async Task DisposeAsync()
    {
        foreach (var bot in _httpPorts.Keys) bot.Dispose();
        if (_reader is not null) await _reader.DisposeAsync();
        await _cluster.DisposeAsync();
        await _discord.DisposeAsync();
        _http.Dispose();
        _timeout.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>The lab's config as an operator would write it for replica <paramref name="replica"/>: the shared store
    /// by reference, Discord (the simulator), /healthz on a port of its own, alice and bob (Discord ids) as requesters
    /// and approvers.</summary>
    private string WriteConfig(string replica, int httpPort)
    {
        var config = JsonNode.Parse(LabConfigFile.Render(_cluster, Path.Combine(_folder, "unused.db"), PgBinaries.Discover()))!.AsObject();
        var storeUrl = Path.Combine(_folder, "store-url");
        File.WriteAllText(storeUrl, _storeUrl);
        var token = Path.Combine(_folder, "discord.token");
        File.WriteAllText(token, _discord.Token);
        config["store"] = new JsonObject { ["connectionString"] = new JsonObject { ["file"] = storeUrl }, ["replicaId"] = replica, ["leaseSeconds"] = LeaseSeconds };
        config["discord"] = new JsonObject
        {
            ["applicationId"] = InteractionInjector.ApplicationId, ["guildId"] = InteractionInjector.GuildId, ["channelId"] = InteractionInjector.ChannelId,
            ["token"] = new JsonObject { ["file"] = token }, ["apiBaseUrl"] = _discord.ApiBase.AbsoluteUri,
        };
        config["monitor"] = new JsonObject { ["httpListen"] = $"127.0.0.1:{httpPort}" };
        config["approvals"] = new JsonObject
        {
            ["requesters"] = new JsonObject { ["users"] = new JsonArray(Alice, Bob) },
            ["approvers"] = new JsonObject { ["users"] = new JsonArray(Alice, Bob) },
        };
        var file = Path.Combine(_folder, replica + ".json");
        File.WriteAllText(file, config.ToJsonString());
        return file;
    }

    private async Task<ChildProcess> StartBotAsync(string replica, string role)
    {
        var port = FreePorts.Pick();
        // This test assembly's entry runs as the pgxcbot program.
        var bot = ChildProcess.Start($"bot {replica}", "pgxcbot", "serve", "--config", WriteConfig(replica, port));
        _httpPorts.Add(bot, port);
        await HealthAsync(bot, h => h.Contains($"replica {replica} is {role}", StringComparison.Ordinal), $"{replica} serving as {role}", TimeSpan.FromSeconds(60));
        return bot;
    }

    /// <summary>Polls the bot's /healthz until its body matches.</summary>
    private async Task<string> HealthAsync(ChildProcess bot, Func<string, bool> match, string what, TimeSpan within) =>
        await Poll.UntilAsync(async () =>
        {
            try
            {
                return await _http.GetStringAsync(new Uri($"http://127.0.0.1:{_httpPorts[bot]}/healthz"), Ct);
            }
            catch (HttpRequestException e)
            {
                return $"({e.Message})";
            }
        }, match, within, $"{what} (bot log: {bot.LogTail()})", Ct);

    /// <summary>Operation <paramref name="id"/> as the shared store holds it now (read by this test's own store).</summary>
    private async Task<Operation?> OperationAsync(long id) => await new PostgresOperationStore(await ReaderAsync()).GetAsync(id, Ct);

    /// <summary>This test's own connection to the shared store, opened once.</summary>
    private async Task<PostgresStore> ReaderAsync() => _reader ??= await PostgresStore.OpenAsync(_storeUrl, null, null, Ct);

    [Fact]
    public async Task Kill_9_of_the_serving_leader_the_standby_takes_over_the_gateway_within_the_lease()
    {
        var a = await StartBotAsync("bot-a", "active");
        var b = await StartBotAsync("bot-b", "standby");
        await Poll.UntilAsync(() => Task.FromResult(_discord.Gateway.Identifies), n => n == 1, TimeSpan.FromSeconds(30), "bot-a on the gateway", Ct);

        var killed = Stopwatch.GetTimestamp();
        a.Kill();
        await HealthAsync(b, h => h.Contains("replica bot-b is active", StringComparison.Ordinal), "bot-b active", TimeSpan.FromSeconds(LeaseSeconds + 10));
        var takeover = Stopwatch.GetElapsedTime(killed);
        await Poll.UntilAsync(() => Task.FromResult(_discord.Gateway.Identifies), n => n == 2, TimeSpan.FromSeconds(30), "bot-b on the gateway", Ct);
        output.WriteLine($"kill -9 of the serving leader: bot-b active after {takeover.TotalMilliseconds:0} ms, on the gateway after " +
                         $"{Stopwatch.GetElapsedTime(killed).TotalMilliseconds:0} ms (lease {LeaseSeconds} s)");
        // By design at most the lease plus the standby's 1 s poll after the last renewal; the rest is /healthz polling
        // and process start-up on a loaded host (5.1 s seen in CI).
        Assert.True(takeover <= TimeSpan.FromSeconds(LeaseSeconds + 4), $"takeover took {takeover}");
        Assert.False(b.HasExited, b.LogTail());
    }

    /// <param name="how">kill: kill -9 of bot-a; stop: SIGSTOP of bot-a past its lease, SIGCONT once bot-b finished.</param>
    [Theory]
    [InlineData("kill")]
    [InlineData("stop")]
    public async Task The_serving_leader_lost_mid_promote_after_the_fence_the_new_leader_finishes_it_and_no_acknowledged_row_is_lost(string how)
    {
        var pair = _cluster.Pairs[0];
        var a = await StartBotAsync("bot-a", "active");
        var b = await StartBotAsync("bot-b", "standby");
        await Poll.UntilAsync(() => Task.FromResult(_discord.Gateway.Identifies), n => n == 1, TimeSpan.FromSeconds(30), "bot-a on the gateway", Ct);

        // A client commits in a loop until the master dies; a row counts once its COMMIT returned.
        await using var writer = await LabLedgerWriter.StartAsync(pair.Master, Ct);
        await Poll.UntilAsync(() => Task.FromResult(writer.Count), n => n >= 50, TimeSpan.FromSeconds(30), "50 commits", Ct);
        // The writer stops and the slave has all the master wrote before the kill: a commit in flight at the kill
        // leaves WAL on the dead master's disk the slave never got, and the bot rightly demands --accept-data-loss
        // then (CI: "promoting it loses 168 bytes of WAL"); this test is about the takeover, not that judgment.
        await writer.DisposeAsync();
        await pair.WaitForSlaveToHaveAllTheMasterFlushedAsync(TimeSpan.FromSeconds(30), Ct);
        await pair.Master.KillAsync(Ct);

        // alice asks for the promote once the bot saw the master lost (it answers with the plan), bob approves.
        var inject = new InteractionInjector(_discord);
        JsonArray? components = null;
        var lastAnswer = "(none)";
        var planned = await Poll.UntilAsync(async () =>
        {
            var promote = inject.SlashCommand("promote", new JsonObject { ["datanode"] = "datanode1" }, Alice, "alice");
            await _discord.Gateway.SendInteractionAsync(promote);
            var token = promote["token"]!.GetValue<string>();
            // The plan comes as an edit of the deferred answer; a refusal (the master not yet seen lost) may come at once
            // in the interaction's callback: either way, no Approve button means asking again.
            var answer = await Poll.UntilAsync(() => Task.FromResult(_discord.Requests.LastOrDefault(r => r.Path.Contains("/" + token, StringComparison.Ordinal)
                    && r.Status is >= 200 and < 300 && (r.Method == "PATCH" || r.Body?["data"] is not null))), r => r is not null,
                TimeSpan.FromSeconds(20), "the promote's answer", Ct);
            components = (answer!.Body!["components"] ?? answer.Body!["data"]?["components"]) as JsonArray;
            lastAnswer = answer.Body!.ToJsonString();
            return ApproveButton(components);
        }, id => id is not null, TimeSpan.FromSeconds(60), () => $"a promote plan with an Approve button (the bot's last answer: {lastAnswer}; log: {a.LogTail()})", Ct);
        await _discord.Gateway.SendInteractionAsync(inject.ButtonClick(planned!, "1300000000000000001", components, Bob, "bob"));
        var operationId = long.Parse(planned!.Split(':').First(p => long.TryParse(p, out _)), System.Globalization.CultureInfo.InvariantCulture);

        // The moment the fence is done, the slave is frozen so the promote cannot finish; then bot-a dies or freezes.
        await Poll.UntilAsync(() => OperationAsync(operationId), o => o?.Steps.Any(s => s.StepId.StartsWith("fence", StringComparison.Ordinal) && s.Status == StepStatus.Succeeded) == true,
            TimeSpan.FromSeconds(60), "the fence done", Ct, every: TimeSpan.FromMilliseconds(10));
        await pair.Slave.FreezeAsync(Ct);
        if (how == "kill") a.Kill();
        else a.Signal(PosixProcesses.SigStop);
        var atKill = (await OperationAsync(operationId))!;
        output.WriteLine($"at the {how}: {atKill.State}, steps {string.Join(", ", atKill.Steps.Select(s => $"{s.StepId}={s.Status}"))}");
        Assert.Equal(OperationState.Running, atKill.State);
        await pair.Slave.ThawAsync(Ct);

        await HealthAsync(b, h => h.Contains("replica bot-b is active", StringComparison.Ordinal), "bot-b active", TimeSpan.FromSeconds(LeaseSeconds + 10));
        var done = await Poll.UntilAsync(() => OperationAsync(operationId), o => o is { State: not (OperationState.Running or OperationState.Interrupted) },
            TimeSpan.FromSeconds(90), $"bot-b to finish operation {operationId} (log: {b.LogTail()})", Ct);
        Assert.True(done!.State == OperationState.Succeeded, $"{done.State}: {done.Result}");
        Assert.Contains(done.Decisions, d => d.Kind == DecisionKind.Resumed && d.By?.DisplayName == "replica bot-b's takeover");

        // The new master has every acknowledged row and takes writes; every coordinator routes to it.
        Assert.Equal(writer.Count, await writer.CountOnAsync(pair.Slave, Ct));
        foreach (var coordinator in _cluster.Coordinators)
            Assert.Contains(coordinator.CoordinatorCatalog, r => r.NodeName == "datanode1" && r.NodePort == pair.Slave.Port);
        Assert.False(b.HasExited, b.LogTail());

        if (how != "stop") return;
        // bot-a wakes in the middle of its promote step: the store refuses what it would record, it steps down, and the
        // operation stays as bot-b finished it (no step of bot-a's recorded after the takeover, nothing run twice).
        a.Signal(PosixProcesses.SigCont);
        await HealthAsync(a, h => h.Contains("replica bot-a is standby", StringComparison.Ordinal), "bot-a standby after waking", TimeSpan.FromSeconds(30));
        var after = (await OperationAsync(operationId))!;
        Assert.Equal(done.State, after.State);
        Assert.Equal(done.Decisions.Count, after.Decisions.Count);
        Assert.Equal(done.Steps.Select(s => (s.StepId, s.Status, s.EndedAt)), after.Steps.Select(s => (s.StepId, s.Status, s.EndedAt)));
        Assert.Single(done.Decisions, d => d.Kind == DecisionKind.Resumed);
        Assert.Equal(writer.Count, await writer.CountOnAsync(pair.Slave, Ct));
    }

    [Fact]
    public async Task Kill_9_of_the_serving_leader_while_its_master_lost_page_hangs_the_new_leader_posts_it_once()
    {
        var pair = _cluster.Pairs[0];
        var a = await StartBotAsync("bot-a", "active");
        var b = await StartBotAsync("bot-b", "standby");
        await Poll.UntilAsync(() => Task.FromResult(_discord.Gateway.Identifies), n => n == 1, TimeSpan.FromSeconds(30), "bot-a on the gateway", Ct);

        // bot-a's first channel post (the page) gets no answer and takes no effect; bot-a dies while it waits.
        _discord.Hangs.Enqueue("channels/"); // recorded paths have no leading slash
        await pair.Master.KillAsync(Ct);
        await Poll.UntilAsync(() => Task.FromResult(_discord.Hanging), n => n == 1, TimeSpan.FromSeconds(60), $"bot-a's page hanging (log: {a.LogTail()})", Ct);
        Assert.DoesNotContain(_discord.Created, MasterLost);
        a.Kill();

        await HealthAsync(b, h => h.Contains("replica bot-b is active", StringComparison.Ordinal), "bot-b active", TimeSpan.FromSeconds(LeaseSeconds + 10));
        await Poll.UntilAsync(() => Task.FromResult(_discord.Created.Count(MasterLost)), n => n >= 1, TimeSpan.FromSeconds(30), $"bot-b to post the page (log: {b.LogTail()})", Ct);
        // Once nothing waits in the shared outbox, nothing can post the page again (an entry marked done is never sent
        // again): it stays one message.
        var outbox = new PostgresOutboxStore(await ReaderAsync());
        await Poll.UntilAsync(() => outbox.GetPendingAsync(PgxcBot.Discord.Outbox.DiscordOutboxChannel.TargetName, 100, Ct), p => p.Count == 0,
            TimeSpan.FromSeconds(30), "the shared outbox empty", Ct);
        Assert.Single(_discord.Created, MasterLost);
        Assert.False(b.HasExited, b.LogTail());
    }

    private static bool MasterLost(JsonObject message) => message.ToJsonString().Contains("datanode1: master lost", StringComparison.Ordinal);

    /// <summary>The custom id of the plan's Approve button, or null when the answer has none (a refusal).</summary>
    private static string? ApproveButton(JsonArray? rows) => rows?
        .SelectMany(row => row?["components"] as JsonArray ?? [])
        .FirstOrDefault(button => button?["label"]?.GetValue<string>().StartsWith("Approve", StringComparison.Ordinal) == true)?["custom_id"]?.GetValue<string>();
}
