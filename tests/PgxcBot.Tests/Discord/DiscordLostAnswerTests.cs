using PgxcBot.Discord.Outbox;
using PgxcBot.Outbox;

namespace PgxcBot.Tests.Discord;

/// <summary>
/// "Each alert delivered once" when Discord took a request but its answer never came back within the sender's
/// 30 s: the sender cannot tell it from a request that never arrived and retries. Every kind of outbox message:
/// an alert, a reply to it (reminder, recovery), an operation's message posted anew with the bot token (retried as
/// a newer state, a newer entry), and an edit of a known message. On the sender's real pacing, on a fake clock: the
/// answer is lost deterministically (the fake withholds it until the client gives up), no sleeps.
/// </summary>
public sealed class DiscordLostAnswerTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private DiscordHarness _h = null!;

    public async Task InitializeAsync() =>
        _h = await DiscordHarness.StartAsync(senderTime: _clock, senderOptions: new OutboxSenderOptions());

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static Notification Alert(NotificationKind kind) =>
        new("datanode1/master-lost", kind, ChatMessage.Simple($"datanode1: master lost ({kind})", Severity.Critical, "it died"), kind == NotificationKind.Raised);

    private OutboxEntry Progress(string title, string address) =>
        OutboxEntry.New(_clock.GetUtcNow(), DiscordOutboxChannel.TargetName, OutboxKind.Progress, "operation/7",
            ChatMessage.Simple(title, Severity.Info, "steps")) with { Address = address };

    private RecordedRequest[] Posts => _h.Fake.Requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/messages", StringComparison.Ordinal)).ToArray();

    /// <summary>Waits until the fake took the request and holds back its answer, then lets the sender's 30 s pass.</summary>
    private async Task LoseTheAnswerAsync()
    {
        await Eventually.HoldsAsync(() => _h.Fake.Hanging == 1, "the request taken by Discord, its answer withheld", 30);
        _clock.Advance(TimeSpan.FromSeconds(31));
        await Eventually.HoldsAsync(() => _h.Fake.Hanging == 0, "the client gave up on the answer", 30);
    }

    /// <summary>Moves the sender's clock on to the end of each back-off, never further, until the outbox is empty:
    /// an attempt in flight must not see its 30 s pass (a loaded machine answers slowly in real time).</summary>
    private async Task DrainAsync() =>
        await Eventually.HoldsAsync(() =>
        {
            var pending = _h.PendingAsync().GetAwaiter().GetResult();
            if (pending.Count == 0) return true;
            var now = _clock.GetUtcNow();
            var due = pending.Where(e => e.NextAttemptAt > now).Select(e => e.NextAttemptAt!.Value).DefaultIfEmpty(now).Min();
            if (due > now) _clock.Advance(due - now);
            return false;
        }, "the outbox drained", 60);

    [Fact]
    public async Task An_alert_and_its_reminder_whose_answers_were_lost_are_each_shown_once()
    {
        _h.Fake.LoseAnswers.Enqueue("/messages");
        await _h.Outbox.EnqueueAsync(_h.Announcer.ForAlert(Alert(NotificationKind.Raised)), default);
        await LoseTheAnswerAsync();
        await DrainAsync();
        var alert = Assert.Single(_h.Fake.Created);
        Assert.Equal(2, Posts.Length); // the lost one and its retry
        Assert.Single(Posts.Select(p => p.Body!["nonce"]!.GetValue<string>()).Distinct());
        Assert.All(Posts, p => Assert.True(p.Body!["enforce_nonce"]!.GetValue<bool>()));

        // The sender recorded the alert as the message Discord made: the reply goes to it, once.
        _h.Fake.LoseAnswers.Enqueue("/messages");
        await _h.Outbox.EnqueueAsync(_h.Announcer.ForAlert(Alert(NotificationKind.Reminder)), default);
        await LoseTheAnswerAsync();
        await DrainAsync();
        Assert.Equal(2, _h.Fake.Created.Count);
        var reminder = _h.Fake.Created[1];
        Assert.Contains("(Reminder)", reminder["embeds"]![0]!["title"]!.GetValue<string>());
        Assert.Equal(alert["id"]!.GetValue<string>(), reminder["message_reference"]!["message_id"]!.GetValue<string>());
        Assert.Equal(4, Posts.Length);
    }

    [Fact]
    public async Task An_operation_message_posted_anew_whose_answer_was_lost_is_not_posted_twice_and_shows_the_newest_state()
    {
        // No interaction token (or it expired) and no message id yet: the bot token posts the operation's message.
        var address = new DiscordAddress(null, null, null, InteractionInjector.ChannelId, null, null).ToJson();
        _h.Fake.LoseAnswers.Enqueue("/messages");
        await _h.Outbox.EnqueueAsync([Progress("Operation 7: step 1 running", address)], default);
        await LoseTheAnswerAsync();
        // Meanwhile the operation moved on: the retry is the newer state, a newer entry (the older is superseded).
        await _h.Outbox.EnqueueAsync([Progress("Operation 7: step 2 running", address)], default);
        await DrainAsync();

        var message = Assert.Single(_h.Fake.Created); // one operation, one message
        Assert.Contains("step 2", message["embeds"]![0]!["title"]!.GetValue<string>()); // the older state was replaced
        Assert.Equal(2, Posts.Length);
        Assert.Single(Posts.Select(p => p.Body!["nonce"]!.GetValue<string>()).Distinct());
        var id = message["id"]!.GetValue<string>();
        Assert.Contains(_h.Fake.Requests, r => r.Method == "PATCH" && r.Status == 200 && r.Path == $"channels/{InteractionInjector.ChannelId}/messages/{id}");

        // Later states edit that message; it stays one.
        await _h.Outbox.EnqueueAsync([Progress("Operation 7: succeeded", address)], default);
        await DrainAsync();
        Assert.Single(_h.Fake.Created);
        Assert.Contains("succeeded", message["embeds"]![0]!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_edit_whose_answer_was_lost_is_retried_as_an_edit_and_posts_nothing()
    {
        var existing = "1300000000000000042";
        _h.Fake.ChannelMessages[existing] = new JsonObject { ["id"] = existing, ["channel_id"] = InteractionInjector.ChannelId };
        var address = new DiscordAddress(null, null, null, InteractionInjector.ChannelId, existing, null).ToJson();
        _h.Fake.LoseAnswers.Enqueue("/messages/" + existing);
        await _h.Outbox.EnqueueAsync([Progress("Operation 7: step 1 running", address)], default);
        await LoseTheAnswerAsync();
        await _h.Outbox.EnqueueAsync([Progress("Operation 7: step 2 running", address)], default);
        await DrainAsync();

        Assert.Empty(Posts);
        Assert.Contains("step 2", _h.Fake.ChannelMessages[existing]["embeds"]![0]!["title"]!.GetValue<string>());
        Assert.Equal(2, _h.Fake.Requests.Count(r => r.Method == "PATCH" && r.Path.EndsWith("/messages/" + existing, StringComparison.Ordinal)));
    }
}
