using PgxcBot.Discord.Outbox;
using PgxcBot.Discord.Rest;

namespace PgxcBot.Tests.Discord;

public sealed class DiscordRestClientTests : DiscordHarnessTest
{
    private static Notification Alert(int n, bool critical = false) =>
        new($"incident-{n}", NotificationKind.Raised, ChatMessage.Simple($"alert {n}", critical ? Severity.Critical : Severity.Warning, $"line {n}"), critical);

    private async Task QueueAsync(params Notification[] notifications) =>
        await Harness.Outbox.EnqueueAsync(notifications.SelectMany(Harness.Announcer.ForAlert).ToArray(), CancellationToken.None);

    private async Task DeliveredAsync() =>
        await Eventually.HoldsAsync(() => Harness.PendingAsync().GetAwaiter().GetResult().Count == 0, "every alert delivered", 30);

    [Fact]
    public async Task A_429_storm_delivers_every_message_once_and_in_order()
    {
        Harness.Fake.BucketLimit = 3; // a real bucket: 3 per 300 ms, then 429 with the reset time
        Harness.Fake.BucketWindow = TimeSpan.FromMilliseconds(300);
        foreach (var global in new[] { false, true, false, false, true })
            Harness.Fake.Script.Enqueue(("messages", 429, 0.05, global)); // and scripted ones, route and global
        await QueueAsync(Enumerable.Range(1, 15).Select(n => Alert(n)).ToArray());
        await DeliveredAsync();

        var posts = Harness.Fake.Requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/messages", StringComparison.Ordinal)).ToArray();
        Assert.Contains(posts, p => p.Status == 429); // there was a storm
        var delivered = posts.Where(p => p.Status == 200).Select(p => p.Body!["embeds"]![0]!["title"]!.GetValue<string>()).ToArray();
        Assert.Equal(Enumerable.Range(1, 15).Select(n => $"alert {n}"), delivered.Select(t => t[(t.IndexOf(' ', StringComparison.Ordinal) + 1)..]));
    }

    [Fact]
    public async Task Requests_carry_the_bot_token_the_user_agent_and_json()
    {
        await Harness.Api.CreateMessageAsync("1150000000000000000", new JsonObject { ["content"] = "x" }, CancellationToken.None);
        var request = Assert.Single(Harness.Fake.Requests);
        Assert.Equal("Bot " + Harness.Fake.Token, request.Authorization);
        Assert.Matches(@"^DiscordBot \(https?://\S+, [0-9.]+\)$", request.UserAgent);
    }

    [Fact]
    public async Task After_a_401_nothing_more_is_sent_with_the_token_and_the_error_does_not_show_it()
    {
        var api = new DiscordApi(new DiscordRestClient(Harness.Http, new DiscordRestOptions { ApiBase = Harness.Fake.ApiBase }, () => "a-revoked-token",
            TimeProvider.System, NullLogger<DiscordRestClient>.Instance));
        var first = await Assert.ThrowsAsync<DiscordUnauthorizedException>(() => api.GetGatewayBotAsync(CancellationToken.None));
        Assert.Contains("discord.token", first.Message);
        Assert.DoesNotContain("a-revoked-token", first.Message);
        await Assert.ThrowsAsync<DiscordUnauthorizedException>(() => api.CreateMessageAsync("1", new JsonObject(), CancellationToken.None));
        Assert.Single(Harness.Fake.Requests); // the second was never sent
    }

    [Fact]
    public async Task A_webhook_404_is_not_retried()
    {
        Harness.Fake.Script.Enqueue(("webhooks", 404, 0, false));
        var error = await Assert.ThrowsAsync<DiscordApiException>(() =>
            Harness.Api.EditOriginalAsync("1200000000000000000", "secret-interaction-token", new JsonObject(), CancellationToken.None));
        Assert.Equal(DiscordApiException.UnknownInteraction, error.Code);
        Assert.DoesNotContain("secret-interaction-token", error.Message);
        Assert.Single(Harness.Fake.Requests);
    }

    [Fact]
    public async Task Critical_alerts_mention_only_the_on_call_role_and_reminders_reply_to_the_alert()
    {
        await QueueAsync(Alert(1, critical: true) with
        {
            Message = ChatMessage.Simple("Master lost", Severity.Critical, "datanode1 master down") with
            {
                Actions = [new ChatAction("Promote datanode1", "/pgxc promote datanode1", ActionStyle.Danger)],
            },
        }, new Notification("incident-1", NotificationKind.Reminder, ChatMessage.Simple("still lost", Severity.Critical)));
        await DeliveredAsync();

        var (raise, reminder) = (Harness.Fake.Requests[0], Harness.Fake.Requests[1]);
        Assert.Equal("<@&1900000000000000000>", raise.Body!["content"]!.GetValue<string>());
        Assert.Empty(raise.Body["allowed_mentions"]!["parse"]!.AsArray());
        Assert.Equal("1900000000000000000", Assert.Single(raise.Body["allowed_mentions"]!["roles"]!.AsArray())!.GetValue<string>());
        Assert.Equal("pgxc:promote:datanode1", raise.Body["components"]![0]!["components"]![0]!["custom_id"]!.GetValue<string>());
        Assert.Equal("", reminder.Body!["content"]!.GetValue<string>());
        Assert.Equal(Harness.Fake.ChannelMessages.Keys.Single(k => Harness.Fake.ChannelMessages[k]["content"]!.GetValue<string>().Length > 0),
            reminder.Body["message_reference"]!["message_id"]!.GetValue<string>());
    }
}
