using System.Text.Json;
using PgxcBot.Discord.Interactions;
using PgxcBot.Discord.Outbox;
using PgxcBot.Discord.Rest;

namespace PgxcBot.Tests.Discord;

/// <summary>
/// Chat is never in the critical path: the faults of a real Discord (an edit that hangs, an expired interaction
/// token, a 5xx after the message was created, a 429 with a short retry_after in a long window) against the
/// outbox path, as the bot runs it (fake Discord, real dispatcher, engine, SQLite outbox and sender).
/// </summary>
public sealed class DiscordOutboxTests
{
    private const string PlanMessage = "1300000000000000001";

    private static JsonObject Embed(JsonNode? message) => message!["embeds"]![0]!.AsObject();

    private static string Title(RecordedRequest request) => Embed(request.Body?["data"] ?? request.Body)["title"]!.GetValue<string>();

    private static bool Shows(RecordedRequest request, string text) =>
        request.Status == 200 && request.Body?["embeds"]?[0]?["title"]?.GetValue<string>().Contains(text, StringComparison.Ordinal) == true;

    private static Interaction Parse(JsonObject interaction)
    {
        using var document = JsonDocument.Parse(interaction.ToJsonString());
        return Interaction.Parse(document.RootElement.Clone());
    }

    /// <summary>Alice asks for the promote in Discord; returns the Approve button's id and the plan's buttons, once the
    /// outbox has shown the plan.</summary>
    private static async Task<(string ApproveId, JsonArray Components)> RequestPromoteAsync(DiscordHarness h)
    {
        h.MasterDiedWhileSync();
        var promote = h.Inject.SlashCommand("promote", new JsonObject { ["datanode"] = "datanode1" }, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole);
        await h.Dispatcher.HandleAsync(Parse(promote), h.Stopping);
        await Eventually.HoldsAsync(() => h.AnswersTo(promote).Any(a => a.Method == "PATCH" && a.Status == 200), "the plan shown");
        var plan = h.AnswersTo(promote).Last(a => a.Method == "PATCH" && a.Status == 200);
        var components = plan.Body!["components"]!.AsArray();
        return (components[0]!["components"]![0]!["custom_id"]!.GetValue<string>(), components);
    }

    private static async Task<Operation> StoredAsync(DiscordHarness h, long id) => (await new SqliteOperationStore(h.Store).GetAsync(id, default))!;

    /// <summary>The longest time between the end of one step and the start of the next.</summary>
    private static TimeSpan LongestGap(Operation operation) =>
        operation.Steps.Zip(operation.Steps.Skip(1)).Where(p => p.First.EndedAt is not null && p.Second.StartedAt is not null)
            .Select(p => p.Second.StartedAt!.Value - p.First.EndedAt!.Value).DefaultIfEmpty().Max();

    [Fact]
    public async Task A_hung_edit_during_a_promote_holds_up_no_step_and_the_outcome_is_shown_once_Discord_answers()
    {
        await using var h = await DiscordHarness.StartAsync();
        h.Timings.AnswerAtOnceWithin = TimeSpan.FromMilliseconds(50); // deferred at once: the edits run while the promote does
        var (approveId, components) = await RequestPromoteAsync(h);

        // The next edit of the plan message never gets an answer; the promote step runs until it hangs for sure.
        h.Fake.Hangs.Enqueue("/messages/@original");
        h.OnEvent = async e =>
        {
            if (e is { Kind: OperationEventKind.StepStarted, StepIndex: { } i } && e.Operation.Steps[i].StepId == "promote-slave")
                await Eventually.HoldsAsync(() => h.Fake.Hanging == 1, "an edit of the progress message hanging");
        };
        var approve = h.Inject.ButtonClick(approveId, PlanMessage, components, DiscordHarness.Bob, "bob", DiscordHarness.DbaRole);
        await h.Dispatcher.HandleAsync(Parse(approve), h.Stopping).WaitAsync(TimeSpan.FromSeconds(20));

        // The promote finished while Discord hung: every step ran, back to back; the message does not show it yet.
        var done = await StoredAsync(h, 1);
        Assert.Equal(OperationState.Succeeded, done.State);
        Assert.False(h.Cluster.Servers["node02:20010"].InRecovery);
        Assert.True(LongestGap(done) < TimeSpan.FromMilliseconds(500), $"gap between steps {LongestGap(done)}");
        Assert.Equal(1, h.Fake.Hanging);
        Assert.DoesNotContain(h.AnswersTo(approve), a => Shows(a, "succeeded"));

        // Discord answers again: the final state follows, and nothing older after it.
        h.Fake.ReleaseHangs();
        await Eventually.HoldsAsync(() => h.AnswersTo(approve).Any(a => Shows(a, "succeeded")), "the outcome shown");
        await Eventually.HoldsAsync(() => h.PendingAsync().GetAwaiter().GetResult().Count == 0, "the outbox empty");
        var edits = h.AnswersTo(approve).Where(a => a.Method == "PATCH" && a.Status == 200).ToArray();
        Assert.Contains("succeeded", Title(edits[^1]));
    }

    [Fact]
    public async Task When_the_interaction_token_expires_during_a_long_operation_the_outcome_is_shown_with_the_bot_token()
    {
        await using var h = await DiscordHarness.StartAsync();
        h.Timings.AnswerAtOnceWithin = TimeSpan.FromMilliseconds(50);
        var (approveId, components) = await RequestPromoteAsync(h);

        // A step that takes longer than the 15 minutes an interaction token lives: Discord expires the token meanwhile.
        var approve = h.Inject.ButtonClick(approveId, PlanMessage, components, DiscordHarness.Bob, "bob", DiscordHarness.DbaRole);
        var token = approve["token"]!.GetValue<string>();
        var longStep = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.OnEvent = async e =>
        {
            if (e is { Kind: OperationEventKind.StepStarted, StepIndex: { } i } && e.Operation.Steps[i].StepId == "promote-slave") await longStep.Task;
        };
        var handled = h.Dispatcher.HandleAsync(Parse(approve), h.Stopping);
        await Eventually.HoldsAsync(() => h.AnswersTo(approve).Any(a => a.Method == "PATCH" && a.Status == 200), "progress shown with the interaction token");
        h.Fake.ExpireToken(token);
        longStep.SetResult();
        await handled.WaitAsync(TimeSpan.FromSeconds(20));

        await Eventually.HoldsAsync(() => h.Fake.Requests.Any(r => r.Method == "PATCH" && r.Path == $"channels/{InteractionInjector.ChannelId}/messages/{PlanMessage}" && Shows(r, "succeeded")),
            "the outcome edited into the plan message with the bot token");
        var byBot = h.Fake.Requests.Last(r => r.Path == $"channels/{InteractionInjector.ChannelId}/messages/{PlanMessage}");
        Assert.Equal("Bot " + h.Fake.Token, byBot.Authorization);
        Assert.Contains(h.AnswersTo(approve), a => a.Status == 401); // Discord refused the expired token once; the bot token took over
        Assert.Empty(h.Fake.ChannelMessages); // the same message, not a new one
        await Eventually.HoldsAsync(() => h.PendingAsync().GetAwaiter().GetResult().Count == 0, "the outbox empty");
    }

    [Fact]
    public async Task Near_its_expiry_the_token_is_not_used_any_more_and_a_message_it_never_edited_is_posted_with_the_bot_token()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await DiscordHarness.StartAsync(senderTime: clock);
        h.Timings.AnswerAtOnceWithin = TimeSpan.FromMilliseconds(50);
        h.MasterDiedWhileSync();

        // A slash command answered (deferred) at once; its message id is not known to the bot before an edit answers.
        h.Fake.Down = true;
        var promote = h.Inject.SlashCommand("promote", new JsonObject { ["datanode"] = "datanode1" }, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole);
        await h.Dispatcher.HandleAsync(Parse(promote), h.Stopping);
        Assert.Single(await h.PendingAsync());

        // Discord is back 14.5 minutes later: the token has 30 s left, less than the margin: the bot token posts the plan.
        h.Fake.Down = false;
        clock.Advance(TimeSpan.FromMinutes(14.5));
        // The sender's back-off runs on this clock: move it on while waiting (an attempt that failed just before
        // Discord came back waits for it).
        await Eventually.HoldsAsync(() =>
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            return h.PendingAsync().GetAwaiter().GetResult().Count == 0;
        }, "the plan delivered");
        var posted = Assert.Single(h.Fake.ChannelMessages.Values);
        Assert.Contains("awaiting approval", Embed(posted)["title"]!.GetValue<string>());
        var post = h.Fake.Requests.Single(r => r.Method == "POST" && r.Status == 200 && r.Path.EndsWith("/messages", StringComparison.Ordinal));
        Assert.Equal("Bot " + h.Fake.Token, post.Authorization);
        Assert.True(post.Body!["enforce_nonce"]!.GetValue<bool>());
        Assert.DoesNotContain(h.AnswersTo(promote), a => a.Method == "PATCH" && a.Status == 200);

        // A later state of the operation edits that message, with the bot token too.
        var id = posted["id"]!.GetValue<string>();
        var reply = await h.Service.CancelAsync(1, new Actor(DiscordHarness.Alice, "alice", [DiscordHarness.DbaRole]), default);
        Assert.Equal(OperationState.Cancelled, reply.Operation!.State);
        await Eventually.HoldsAsync(() => h.Fake.Requests.Any(r => r.Method == "PATCH" && r.Path == $"channels/{InteractionInjector.ChannelId}/messages/{id}" && Shows(r, "cancelled")),
            "the cancellation edited in with the bot token");
    }

    [Fact]
    public async Task A_5xx_after_Discord_created_the_post_is_retried_without_a_duplicate_thanks_to_the_nonce()
    {
        // Twice over: the REST client's own retry, and the sender's retry after the client gave up.
        foreach (var clientRetries in new[] { true, false })
        {
            await using var h = await DiscordHarness.StartAsync(new DiscordRestOptions { MaxAttempts = clientRetries ? 20 : 1 });
            h.Fake.FailAfterEffect.Enqueue(("/messages", 500));
            if (!clientRetries) h.Fake.FailAfterEffect.Enqueue(("/messages", 502));
            var alert = new Notification("datanode1/master-lost", NotificationKind.Raised, ChatMessage.Simple("datanode1: master lost", Severity.Critical, "it died"), true);
            await h.Outbox.EnqueueAsync(h.Announcer.ForAlert(alert), default);

            await Eventually.HoldsAsync(() => h.PendingAsync().GetAwaiter().GetResult().Count == 0, "the alert delivered", 20);
            var posts = h.Fake.Requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/messages", StringComparison.Ordinal)).ToArray();
            Assert.True(posts.Length >= 2, "the post was retried");
            Assert.Contains(posts, p => p.Status >= 500);
            Assert.Single(posts.Select(p => p.Body!["nonce"]!.GetValue<string>()).Distinct());
            Assert.All(posts, p => Assert.True(p.Body!["enforce_nonce"]!.GetValue<bool>()));
            var message = Assert.Single(h.Fake.ChannelMessages.Values); // the on-call is paged once
            Assert.Equal("<@&" + DiscordHarness.OnCallRole + ">", message["content"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task An_ack_edits_the_posted_alert_in_place_to_show_its_owner_without_posting_again()
    {
        await using var h = await DiscordHarness.StartAsync();
        var now = DateTimeOffset.UtcNow;
        var candidate = new Core.Monitoring.AlertCandidate("datanode1", Core.Monitoring.AlertKinds.SlaveLost, Severity.Warning, "datanode1: slave lost", ["it died"], "/pgxc start datanode1", []);
        var incident = new Core.Monitoring.Incident(candidate.Key, Core.Monitoring.IncidentStatus.Open, candidate, now, now, 2, 0, now, now, null, 0, Severity.Warning);
        await h.Outbox.EnqueueAsync(h.Announcer.ForAlert(new Notification(incident.Key, NotificationKind.Raised, Core.Monitoring.IncidentMessages.Raised(incident))), default);
        await Eventually.HoldsAsync(() => h.PendingAsync().GetAwaiter().GetResult().Count == 0, "the alert posted");
        var alertId = Assert.Single(h.Fake.ChannelMessages.Keys);

        // What /pgxc ack writes: the alert redrawn with its owner, under the alert's key.
        var owner = new Core.Monitoring.Acknowledgement(incident.Key, "alice", "rebooting node02", now);
        await h.Outbox.EnqueueAsync([OutboxEntry.New(now, DiscordOutboxChannel.TargetName, OutboxKind.Progress, incident.Key, Core.Monitoring.IncidentMessages.Redrawn(incident, owner))], default);
        await Eventually.HoldsAsync(() => h.Fake.Requests.Any(r => r.Method == "PATCH" && r.Path == $"channels/{InteractionInjector.ChannelId}/messages/{alertId}"
            && Shows(r, "owned by alice")), "the alert edited in place with its owner");
        Assert.Single(h.Fake.Requests, r => r.Method == "POST" && r.Path.EndsWith("/messages", StringComparison.Ordinal) && r.Status == 200);
    }

    [Fact]
    public async Task After_a_429_the_retry_waits_for_retry_after_not_for_the_whole_bucket_window()
    {
        var time = new RecordingTimeProvider();
        await using var h = await DiscordHarness.StartAsync(senderTime: time, runSender: false);
        // A real bucket: 100 per 1.5 s window, learnt from the first answer. Then a 429 says: retry after 0.2 s.
        h.Fake.BucketLimit = 100;
        h.Fake.BucketWindow = TimeSpan.FromSeconds(1.5);
        await h.Api.CreateMessageAsync(InteractionInjector.ChannelId, new JsonObject { ["content"] = "first" }, default);
        h.Fake.Script.Enqueue(("messages", 429, 0.2, false));
        var mark = time.Count;
        await h.Api.CreateMessageAsync(InteractionInjector.ChannelId, new JsonObject { ["content"] = "second" }, default);

        var posts = h.Fake.Requests.Where(r => r.Method == "POST").ToArray();
        Assert.Equal([200, 429, 200], posts.Select(p => p.Status));
        // Not before Discord's retry_after (a loaded host only makes the gap longer) ...
        var waited = System.Diagnostics.Stopwatch.GetElapsedTime(posts[1].At, posts[2].At);
        Assert.True(waited >= TimeSpan.FromMilliseconds(190), $"retried after {waited.TotalMilliseconds:F0} ms, before retry_after (200 ms)");
        // ... and the wait the client chose was retry_after, never the rest of the 1.5 s window (the clock's record of
        // it, which a loaded host cannot stretch as it stretches the gap above).
        var chosen = time.Waits.Skip(mark).Where(w => w > TimeSpan.Zero && w != Timeout.InfiniteTimeSpan).ToArray();
        Assert.NotEmpty(chosen);
        Assert.All(chosen, w => Assert.InRange(w, TimeSpan.Zero, TimeSpan.FromMilliseconds(200)));
    }
}
