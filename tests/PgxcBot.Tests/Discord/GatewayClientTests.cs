using PgxcBot.Discord.Gateway;

namespace PgxcBot.Tests.Discord;

public sealed class GatewayClientTests : DiscordHarnessTest
{
    [Fact]
    public async Task Identifies_with_no_intents_heartbeats_with_the_last_sequence_and_keeps_the_session()
    {
        var client = Harness.Gateway();
        var run = client.RunAsync(Stop);
        await Eventually.HoldsAsync(() => client.IsReady, "READY");
        await Harness.Fake.Gateway.DispatchAsync("TEST_EVENT", new JsonObject());
        await Eventually.HoldsAsync(() => Harness.Fake.Gateway.Heartbeats.Contains(2), "a heartbeat carrying sequence 2");

        Assert.Equal(1, Harness.Fake.Gateway.Identifies);
        Assert.Equal(Harness.Fake.Gateway.SessionId, client.SessionId);
        Assert.Contains(Harness.Fake.Requests, r => r.Path == "gateway/bot" && r.Authorization == "Bot " + Harness.Fake.Token);
        await StopAsync();
        await run;
    }

    [Fact]
    public async Task A_zombie_connection_is_closed_and_resumed_with_the_last_sequence()
    {
        var client = Harness.Gateway();
        var run = client.RunAsync(Stop);
        await Eventually.HoldsAsync(() => client.IsReady, "READY");
        await Harness.Fake.Gateway.DispatchAsync("TEST_EVENT", new JsonObject());
        await Harness.Fake.Gateway.DispatchAsync("TEST_EVENT", new JsonObject());
        await Eventually.HoldsAsync(() => client.Sequence == 3, "sequence 3 seen");

        Harness.Fake.Gateway.AckHeartbeats = false; // the server goes silent
        await Eventually.HoldsAsync(() => !Harness.Fake.Gateway.Resumes.IsEmpty, "a Resume");
        Harness.Fake.Gateway.AckHeartbeats = true;
        await Eventually.HoldsAsync(() => client.Resumes == 1 && client.IsReady, "RESUMED");

        var (session, seq) = Assert.Single(Harness.Fake.Gateway.Resumes);
        Assert.Equal(Harness.Fake.Gateway.SessionId, session);
        Assert.Equal(3, seq);
        Assert.Equal(1, Harness.Fake.Gateway.Identifies); // resumed, not re-identified
        Assert.DoesNotContain(Harness.Fake.Gateway.ClientCloseCodes, c => c is 1000 or 1001);
        await StopAsync();
        await run;
    }

    [Fact]
    public async Task Events_missed_while_disconnected_are_replayed_on_resume_and_delivered()
    {
        var received = new List<string>();
        var client = new GatewayClient(Harness.Api, () => Harness.Fake.Token, i => { lock (received) received.Add(i.Id); }, DiscordHarness.FastGateway(),
            TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<GatewayClient>.Instance);
        var run = client.RunAsync(Stop);
        await Eventually.HoldsAsync(() => client.IsReady, "READY");

        await Harness.Fake.Gateway.SendRawAsync(new JsonObject { ["op"] = 7, ["d"] = null }); // Reconnect
        var click = Harness.Inject.SlashCommand("status", null, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole);
        await Harness.Fake.Gateway.DispatchAsync("INTERACTION_CREATE", click); // may arrive before or after the reconnect
        await Eventually.HoldsAsync(() => client.Resumes >= 1, "resumed after op 7");
        await Eventually.HoldsAsync(() => { lock (received) return received.Contains(click["id"]!.GetValue<string>()); }, "the interaction delivered");
        Assert.Equal(1, Harness.Fake.Gateway.Identifies);
        await StopAsync();
        await run;
    }

    [Fact]
    public async Task Invalid_session_not_resumable_leads_to_a_new_identify()
    {
        var client = Harness.Gateway();
        var run = client.RunAsync(Stop);
        await Eventually.HoldsAsync(() => client.IsReady, "READY");
        await Harness.Fake.Gateway.SendRawAsync(new JsonObject { ["op"] = 9, ["d"] = false });
        await Eventually.HoldsAsync(() => Harness.Fake.Gateway.Identifies == 2 && client.IsReady, "a second Identify");
        Assert.Empty(Harness.Fake.Gateway.Resumes);
        await StopAsync();
        await run;
    }

    [Fact]
    public async Task Close_4004_stops_with_an_error_naming_the_token()
    {
        var client = Harness.Gateway();
        Harness.Fake.Gateway.CloseAfterHelloWith = 4004;
        var error = await Assert.ThrowsAsync<GatewayFatalException>(() => client.RunAsync(Stop));
        Assert.Equal(4004, error.CloseCode);
        Assert.Contains("authentication failed", error.Message);
        Assert.Contains("discord.token", error.Message);
        Assert.DoesNotContain(Harness.Fake.Token, error.Message);
        Assert.Equal(1, Harness.Fake.Gateway.Connections); // no reconnect loop
    }

    [Theory]
    [InlineData(4000)]
    [InlineData(4008)]
    public async Task A_resumable_close_code_resumes(int code)
    {
        var client = Harness.Gateway();
        var run = client.RunAsync(Stop);
        await Eventually.HoldsAsync(() => client.IsReady, "READY");
        await Harness.Fake.Gateway.CloseAsync(code);
        await Eventually.HoldsAsync(() => client.Resumes == 1, "resumed");
        Assert.Equal(1, Harness.Fake.Gateway.Identifies);
        await StopAsync();
        await run;
    }

    [Fact]
    public async Task Close_4007_starts_a_new_session()
    {
        var client = Harness.Gateway();
        var run = client.RunAsync(Stop);
        await Eventually.HoldsAsync(() => client.IsReady, "READY");
        await Harness.Fake.Gateway.CloseAsync(4007);
        await Eventually.HoldsAsync(() => Harness.Fake.Gateway.Identifies == 2, "re-identified");
        Assert.Empty(Harness.Fake.Gateway.Resumes);
        await StopAsync();
        await run;
    }
}
