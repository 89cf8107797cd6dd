using System.Net;
using PgxcBot.Discord.Http;

namespace PgxcBot.Tests.Discord;

/// <summary>Interactions end to end: fake Discord → gateway or HTTP endpoint → parser and handler → REST answers.</summary>
public sealed class DiscordFlowTests() : DiscordHarnessTest(gatewayLife: GatewayLife)
{
    // A safety net only, far beyond any test: a promote on a machine with a load average of 40 takes tens of
    // seconds, and a gateway cut at 60 s made the test fail for nothing but the load.
    private static readonly TimeSpan GatewayLife = TimeSpan.FromMinutes(5);

    private async Task<IReadOnlyList<RecordedRequest>> AnswersAsync(JsonObject interaction, int count)
    {
        await Eventually.HoldsAsync(() => Harness.AnswersTo(interaction).Count >= count, $"{count} answer(s) to interaction {interaction["id"]}");
        return Harness.AnswersTo(interaction);
    }

    private static JsonObject Embed(JsonNode? message) => message!["embeds"]![0]!.AsObject();

    /// <summary>
    /// The refusal a button click got, to the clicker alone (ephemeral), whichever way it went: as the first answer
    /// when the handler answered within the dispatcher's 2 s, or, when it took longer (a loaded machine), as an
    /// ephemeral follow-up after the deferral of the clicked message (type 6, which shows nothing). Either way there is
    /// no other answer: nothing visible to the channel, the plan message untouched.
    /// </summary>
    private async Task<JsonObject> RefusalAsync(JsonObject click)
    {
        static JsonObject? Refusal(RecordedRequest a) =>
            a.Method != "POST" ? null
            : a.Path.EndsWith("/callback", StringComparison.Ordinal) ? (a.Body!["type"]!.GetValue<int>() == 4 ? Data(a) : null)
            : a.Body!.AsObject();
        await Eventually.HoldsAsync(() => Harness.AnswersTo(click).Any(a => Refusal(a) is not null), $"the refusal of click {click["id"]}", 30);
        var answers = Harness.AnswersTo(click);
        var refusal = Assert.Single(answers, a => Refusal(a) is not null);
        Assert.All(answers.Where(a => a != refusal), a => Assert.Equal(("POST", 6), (a.Method, a.Body!["type"]!.GetValue<int>()))); // at most the deferral
        Assert.Equal(answers[0] == refusal ? 1 : 2, answers.Count);
        var message = Refusal(refusal)!;
        Assert.Equal(64, message["flags"]!.GetValue<int>());
        return message;
    }
    private static JsonObject Data(RecordedRequest callback) => callback.Body!["data"]!.AsObject();

    [Fact]
    public async Task Status_round_trip_over_the_gateway()
    {
        await ConnectGatewayAsync();
        var status = Harness.Inject.SlashCommand("status", null, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole);
        await Harness.Fake.Gateway.SendInteractionAsync(status);

        var callback = Assert.Single(await AnswersAsync(status, 1));
        Assert.Equal($"interactions/{status["id"]}/{status["token"]}/callback", callback.Path);
        Assert.Equal(4, callback.Body!["type"]!.GetValue<int>());
        Assert.Null(callback.Authorization); // interaction routes carry no bot token
        Assert.Contains("Cluster: healthy", Embed(Data(callback))["title"]!.GetValue<string>());
        Assert.Empty(Data(callback)["allowed_mentions"]!["parse"]!.AsArray());
    }

    [Fact]
    public async Task Status_round_trip_over_the_http_endpoint_and_forged_signatures_get_401()
    {
        await using var endpoint = new InteractionsEndpoint(new SignatureVerifier(Harness.Inject.PublicKeyHex), Harness.Dispatcher, TimeSpan.FromMinutes(5),
            TimeProvider.System, NullLogger<InteractionsEndpoint>.Instance);
        await endpoint.StartAsync(IPAddress.Loopback, 0, "/interactions", Stop);

        var ping = await Harness.Inject.PostSignedAsync(Harness.Http, endpoint.Address!, Harness.Inject.Ping());
        Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
        Assert.Equal("{\"type\":1}", await ping.Content.ReadAsStringAsync());
        Assert.Equal("application/json", ping.Content.Headers.ContentType?.MediaType);

        var forged = Harness.Inject.SlashCommand("status", null, DiscordHarness.Mallory, "mallory");
        var badSignature = new string('0', 128);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Harness.Inject.PostSignedAsync(Harness.Http, endpoint.Address!, forged, signatureOverride: badSignature)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Harness.Inject.PostSignedAsync(Harness.Http, endpoint.Address!, forged, signatureOverride: "")).StatusCode);
        var stale = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Harness.Inject.PostSignedAsync(Harness.Http, endpoint.Address!, forged, timestamp: stale)).StatusCode);

        var status = Harness.Inject.SlashCommand("status", null, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole);
        Assert.Equal(HttpStatusCode.Accepted, (await Harness.Inject.PostSignedAsync(Harness.Http, endpoint.Address!, status)).StatusCode);
        var callback = Assert.Single(await AnswersAsync(status, 1));
        Assert.Contains("Cluster: healthy", Embed(Data(callback))["title"]!.GetValue<string>());
        Assert.Empty(Harness.AnswersTo(forged)); // nothing was run for the forged requests
    }

    [Fact]
    public async Task A_tampered_body_is_refused_before_parsing()
    {
        await using var endpoint = new InteractionsEndpoint(new SignatureVerifier(Harness.Inject.PublicKeyHex), Harness.Dispatcher, TimeSpan.FromMinutes(5),
            TimeProvider.System, NullLogger<InteractionsEndpoint>.Instance);
        await endpoint.StartAsync(IPAddress.Loopback, 0, "/interactions", Stop);
        // Signed by another key: a well-formed signature that does not verify.
        var other = new InteractionInjector(Harness.Fake);
        var response = await other.PostSignedAsync(Harness.Http, endpoint.Address!, Harness.Inject.Ping());
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    /// <param name="slowAnswers">Every click answered after the dispatcher's deadline (deferred first), as on a loaded
    /// machine; otherwise within it where the handler is quick.</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Promote_is_approved_by_a_second_person_with_progress_edited_in_order_and_the_final_table(bool slowAnswers)
    {
        if (slowAnswers) Harness.Timings.AnswerAtOnceWithin = TimeSpan.Zero;
        Harness.MasterDiedWhileSync();
        await ConnectGatewayAsync();

        // The request is answered at once (deferred); the plan itself comes through the outbox, as an edit of that answer.
        var promote = Harness.Inject.SlashCommand("promote", new JsonObject { ["datanode"] = "datanode1" }, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole);
        await Harness.Fake.Gateway.SendInteractionAsync(promote);
        await Eventually.HoldsAsync(() => Harness.AnswersTo(promote).Any(a => a.Method == "PATCH" && a.Status == 200), "the plan shown", 60);
        var requestAnswers = Harness.AnswersTo(promote);
        Assert.Equal(5, requestAnswers[0].Body!["type"]!.GetValue<int>());
        var plan = requestAnswers.Last(a => a.Method == "PATCH");
        Assert.Contains("awaiting approval", Embed(plan.Body)["title"]!.GetValue<string>());
        var components = plan.Body!["components"]!.AsArray();
        var buttons = components[0]!["components"]!.AsArray();
        var approveId = buttons[0]!["custom_id"]!.GetValue<string>();
        Assert.StartsWith("pgxc:approve:1:--plan:", approveId);
        Assert.Equal("pgxc:cancel:1", buttons[1]!["custom_id"]!.GetValue<string>());
        const string planMessage = "1300000000000000001";

        // The requester cannot approve their own promote; a guest cannot approve at all. Both hear it alone.
        var self = Harness.Inject.ButtonClick(approveId, planMessage, components, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole);
        await Harness.Fake.Gateway.SendInteractionAsync(self);
        Assert.Contains("self-approval is not allowed", Embed(await RefusalAsync(self))["description"]!.GetValue<string>());

        var guest = Harness.Inject.ButtonClick(approveId, planMessage, components, DiscordHarness.Mallory, "mallory", DiscordHarness.GuestRole);
        await Harness.Fake.Gateway.SendInteractionAsync(guest);
        Assert.Contains("may not approve", Embed(await RefusalAsync(guest))["description"]!.GetValue<string>());
        Assert.True(Harness.Cluster.Servers["node02:20010"].InRecovery, "nothing ran after refused clicks");

        // Bob approves: the plan message itself becomes the live progress message, edited through the outbox.
        var approve = Harness.Inject.ButtonClick(approveId, planMessage, components, DiscordHarness.Bob, "bob", DiscordHarness.DbaRole);
        await Harness.Fake.Gateway.SendInteractionAsync(approve);
        await Eventually.HoldsAsync(() => Harness.AnswersTo(approve).Any(a => a.Body?["embeds"]?[0]?["title"]?.GetValue<string>().Contains("succeeded", StringComparison.Ordinal) == true),
            "the succeeded edit", 60);
        var answers = Harness.AnswersTo(approve);
        Assert.Equal(6, answers[0].Body!["type"]!.GetValue<int>()); // DEFERRED_UPDATE_MESSAGE of the plan message
        Assert.All(answers.Skip(1), a => Assert.Equal(("PATCH", true), (a.Method, a.Path.EndsWith("/messages/@original", StringComparison.Ordinal))));
        var shown = answers.Skip(1).Select(a => Embed(a.Body)).ToArray();
        var done = shown.Select(e => CountOf(e["description"]!.GetValue<string>(), "[ok")).ToArray();
        Assert.Equal(done.Order().ToArray(), done); // steps only ever advance: nothing stale overwrites newer
        var last = shown[^1];
        Assert.Contains("Operation 1: promote datanode1 - succeeded", last["title"]!.GetValue<string>());
        var description = last["description"]!.GetValue<string>();
        Assert.Contains("```", description);
        Assert.Contains("repointed", description);
        Assert.Contains("coord1", description);
        Assert.Contains("coord2", description);
        var finalComponents = answers[^1].Body!["components"]!.AsArray();
        Assert.All(finalComponents[0]!["components"]!.AsArray(), b => Assert.True(b!["disabled"]!.GetValue<bool>())); // decided: buttons dead
        Assert.False(Harness.Cluster.Servers["node02:20010"].InRecovery);
        await Eventually.HoldsAsync(() => Harness.PendingAsync().GetAwaiter().GetResult().Count == 0, "the outbox empty", 30);

        // A replayed click of the old button is harmless: refused to the clicker, nothing runs again.
        var logBefore = Harness.Cluster.Log.Count;
        var replay = Harness.Inject.ButtonClick(approveId, planMessage, components, DiscordHarness.Bob, "bob", DiscordHarness.DbaRole);
        await Harness.Fake.Gateway.SendInteractionAsync(replay);
        await RefusalAsync(replay);
        Assert.Equal(logBefore, Harness.Cluster.Log.Count);
    }

    [Fact]
    public async Task Autocomplete_offers_the_configured_datanodes()
    {
        await ConnectGatewayAsync();
        var typing = Harness.Inject.SlashCommand("promote", new JsonObject { ["datanode"] = "2" }, DiscordHarness.Alice, "alice");
        typing["type"] = 4;
        typing["data"]!["options"]![0]!["options"]![0]!["focused"] = true;
        await Harness.Fake.Gateway.SendInteractionAsync(typing);
        var answer = Assert.Single(await AnswersAsync(typing, 1));
        Assert.Equal(8, answer.Body!["type"]!.GetValue<int>());
        var choice = Assert.Single(answer.Body!["data"]!["choices"]!.AsArray());
        Assert.Equal("datanode2", choice!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_slow_command_is_deferred_within_the_deadline_then_edited()
    {
        Harness.Timings.AnswerAtOnceWithin = TimeSpan.FromMilliseconds(100);
        Harness.StatusGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously); // the cluster is slow to answer
        await ConnectGatewayAsync();
        var status = Harness.Inject.SlashCommand("status", null, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole);
        await Harness.Fake.Gateway.SendInteractionAsync(status);
        var deferred = Assert.Single(await AnswersAsync(status, 1));
        Assert.Equal(5, deferred.Body!["type"]!.GetValue<int>());
        Harness.StatusGate.SetResult();
        var answers = await AnswersAsync(status, 2);
        Assert.Equal(5, answers[0].Body!["type"]!.GetValue<int>());
        Assert.Equal("PATCH", answers[1].Method);
        Assert.Contains("Cluster: healthy", Embed(answers[1].Body)["title"]!.GetValue<string>());
    }

    private static int CountOf(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal)) count++;
        return count;
    }
}
