using System.Net;
using PgxcBot.Discord.Http;
using PgxcBot.Tests.Replicas;

namespace PgxcBot.Tests.Discord;

/// <summary>
/// HTTP-interactions mode with two replicas on a shared store: the load balancer hands an interaction to either one.
/// This process is the standby bot-b (bot-a holds the lease): it answers PING and what only reads, and refuses every
/// action at once, to the asker alone, naming bot-a, without the handler ever seeing it.
/// </summary>
public sealed class DiscordStandbyTests : IAsyncLifetime
{
    private readonly FakeReplicaRole _role = new("bot-b", active: false);
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromMinutes(5));
    private DiscordHarness _h = null!;
    private InteractionsEndpoint _endpoint = null!;

    public async Task InitializeAsync()
    {
        // No outbox sender: whatever is written for the chat stays countable.
        _h = await DiscordHarness.StartAsync(runSender: false, replicas: _role);
        // The same endpoint, signature check and dispatcher as on the active replica; only the role differs.
        _endpoint = new InteractionsEndpoint(new SignatureVerifier(_h.Inject.PublicKeyHex), _h.Dispatcher, TimeSpan.FromMinutes(5),
            TimeProvider.System, NullLogger<InteractionsEndpoint>.Instance);
        await _endpoint.StartAsync(IPAddress.Loopback, 0, "/interactions", _stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _endpoint.DisposeAsync();
        await _stop.CancelAsync();
        await _h.DisposeAsync();
        _stop.Dispose();
    }

    private async Task<RecordedRequest> OnlyAnswerAsync(JsonObject interaction)
    {
        Assert.Equal(HttpStatusCode.Accepted, (await _h.Inject.PostSignedAsync(_h.Http, _endpoint.Address!, interaction)).StatusCode);
        await Eventually.HoldsAsync(() => _h.AnswersTo(interaction).Count >= 1, $"the answer to {interaction["id"]}");
        return Assert.Single(_h.AnswersTo(interaction));
    }

    /// <summary>The whole visible text of a callback's message (content, embed title and description, fields).</summary>
    private static string Text(RecordedRequest callback) => callback.Body!["data"]!.ToJsonString();

    [Fact]
    public async Task The_standby_answers_ping_and_refuses_forged_requests_like_the_active()
    {
        var ping = await _h.Inject.PostSignedAsync(_h.Http, _endpoint.Address!, _h.Inject.Ping());
        Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
        Assert.Equal("{\"type\":1}", await ping.Content.ReadAsStringAsync());

        var forged = _h.Inject.SlashCommand("promote", new JsonObject { ["datanode"] = "datanode1" }, DiscordHarness.Mallory, "mallory");
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await _h.Inject.PostSignedAsync(_h.Http, _endpoint.Address!, forged, signatureOverride: new string('0', 128))).StatusCode);
        Assert.Empty(_h.AnswersTo(forged));
    }

    [Fact]
    public async Task The_standby_answers_status_from_a_fresh_observation_with_the_replicas_line()
    {
        var status = _h.Inject.SlashCommand("status", null, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole);
        var answer = await OnlyAnswerAsync(status);
        Assert.Equal(4, answer.Body!["type"]!.GetValue<int>());
        Assert.Null(answer.Body!["data"]!["flags"]); // for the channel, not a refusal
        var text = Text(answer);
        Assert.Contains("Cluster: healthy", text);
        Assert.Contains("Bot replica bot-b is standby; active: bot-a since", text);
        Assert.Contains("last heartbeats: bot-a", text);
    }

    [Theory]
    [InlineData("promote", "datanode1")]
    [InlineData("sync", "datanode1")]
    [InlineData("stop", "datanode2")]
    public async Task The_standby_refuses_an_action_at_once_to_the_asker_alone_naming_the_active_replica_and_runs_nothing(string command, string datanode)
    {
        _h.MasterDiedWhileSync();
        var log = _h.Cluster.Log.Count;
        var pending = (await _h.PendingAsync()).Count;
        var asked = _h.Inject.SlashCommand(command, new JsonObject { ["datanode"] = datanode }, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole);

        var answer = await OnlyAnswerAsync(asked);
        Assert.Equal(4, answer.Body!["type"]!.GetValue<int>()); // at once, not deferred
        Assert.Equal(64, answer.Body!["data"]!["flags"]!.GetValue<int>()); // ephemeral: the asker alone
        var text = Text(answer);
        Assert.Contains("Not taken: replica bot-b is standby", text);
        Assert.Contains($"{command} {datanode}", text);
        Assert.Contains("The active replica bot-a", text);
        Assert.Contains("Retry in a few seconds", text);
        Assert.Contains("within the lease (15 s)", text);

        Assert.Empty(await _h.Operations.GetOpenAsync(default)); // nothing stored
        Assert.Equal(pending, (await _h.PendingAsync()).Count); // nothing for the chat
        Assert.Equal(log, _h.Cluster.Log.Count); // nothing run on the servers
        Assert.True(_h.Cluster.Servers["node02:20010"].InRecovery);
    }

    [Fact]
    public async Task The_standby_refuses_an_approve_click_and_the_operation_stays_awaiting_approval()
    {
        // bot-a (the active replica, here the same store) took Alice's promote; Bob's click reaches the standby.
        _h.MasterDiedWhileSync();
        var request = await _h.Service.RequestAsync("promote", "datanode1", [], new Actor(DiscordHarness.Alice, "alice", [DiscordHarness.DbaRole]), default);
        var operation = request.Operation!;
        Assert.Equal(OperationState.AwaitingApproval, operation.State);
        var log = _h.Cluster.Log.Count;
        var pending = (await _h.PendingAsync()).Count;

        var click = _h.Inject.ButtonClick($"pgxc:approve:{operation.Id}:--plan:{operation.Nonce}", "1300000000000000001", [], DiscordHarness.Bob, "bob", DiscordHarness.DbaRole);
        var answer = await OnlyAnswerAsync(click);
        Assert.Equal(4, answer.Body!["type"]!.GetValue<int>()); // a new ephemeral message: the plan message is not touched
        Assert.Equal(64, answer.Body!["data"]!["flags"]!.GetValue<int>());
        Assert.Contains($"approve {operation.Id} --plan {operation.Nonce}", Text(answer));
        Assert.Contains("The active replica bot-a", Text(answer));

        var stored = await _h.Operations.GetAsync(operation.Id, default);
        Assert.Equal((OperationState.AwaitingApproval, null), (stored!.State, stored.ApprovedBy));
        Assert.Equal(pending, (await _h.PendingAsync()).Count);
        Assert.Equal(log, _h.Cluster.Log.Count);
    }

    [Fact]
    public async Task When_the_store_cannot_be_read_the_standby_still_refuses_at_once_and_says_why()
    {
        _role.Failure = FakeReplicaRole.Unreadable();
        var asked = _h.Inject.SlashCommand("async", new JsonObject { ["datanode"] = "datanode1" }, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole);
        var answer = await OnlyAnswerAsync(asked);
        Assert.Equal(64, answer.Body!["data"]!["flags"]!.GetValue<int>());
        Assert.Contains("The shared store cannot be read", Text(answer));
        Assert.Empty(await _h.Operations.GetOpenAsync(default));
    }

    [Fact]
    public async Task Once_this_replica_is_active_the_same_action_is_taken()
    {
        _role.IsActive = true;
        _h.MasterDiedWhileSync();
        var asked = _h.Inject.SlashCommand("promote", new JsonObject { ["datanode"] = "datanode1" }, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole);
        Assert.Equal(HttpStatusCode.Accepted, (await _h.Inject.PostSignedAsync(_h.Http, _endpoint.Address!, asked)).StatusCode);
        await Eventually.HoldsAsync(() => _h.Operations.GetOpenAsync(default).GetAwaiter().GetResult().Count == 1, "the promote stored, awaiting approval", 30);
        Assert.DoesNotContain(_h.AnswersTo(asked), a => a.Body?.ToJsonString().Contains("Not taken", StringComparison.Ordinal) == true);
    }
}
