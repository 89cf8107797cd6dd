using PgxcBot.Core.Charts;
using PgxcBot.Discord.Outbox;

namespace PgxcBot.Tests.Discord;

/// <summary>Pictures reach Discord as PNG attachments (multipart, payload_json describing each file, the first shown in the
/// embed): the answer to /pgxc status --chart, the timeline, and the alert that a pair was switched to async (drawn by the outbox
/// sender, so the monitor never waits for drawing).</summary>
public sealed class PictureAttachmentTests : DiscordHarnessTest
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var now = DateTimeOffset.UtcNow;
        // Half an hour of datanode1's lag, as the monitor keeps it.
        await Harness.Timeline.AppendAsync(Enumerable.Range(0, 360).Select(i => new LagSample("datanode1", now.AddSeconds(-1800 + i * 5), i * 1000L, i / 10.0)).ToArray(),
            now.AddHours(-1), default);
    }

    private static void AssertPng(RecordedRequest request, string prefix)
    {
        var upload = Assert.Single(request.Uploads, u => u.Name.StartsWith(prefix, StringComparison.Ordinal));
        Assert.Equal("image/png", upload.ContentType);
        Assert.True(upload.Bytes.Length > 5000, $"{upload.Bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, upload.Bytes[..4]);
        using var bitmap = SkiaSharp.SKBitmap.Decode(upload.Bytes);
        Assert.Equal((PictureSize.Width, PictureSize.Height), (bitmap.Width, bitmap.Height));
        var body = request.Body!["data"] as JsonObject ?? request.Body!.AsObject();
        var described = body["attachments"]!.AsArray().Select(a => a!["filename"]!.GetValue<string>()).ToArray();
        Assert.Contains(upload.Name, described);
        Assert.Equal("attachment://" + upload.Name, body["embeds"]![0]!["image"]!["url"]!.GetValue<string>());
    }

    private async Task<RecordedRequest> AnswerAsync(JsonObject interaction)
    {
        await ConnectGatewayAsync();
        await Harness.Fake.Gateway.SendInteractionAsync(interaction);
        await Eventually.HoldsAsync(() => Harness.AnswersTo(interaction).Any(r => r.Status is >= 200 and < 300 && r.Uploads.Count > 0), "an answer with a file");
        return Harness.AnswersTo(interaction).First(r => r.Uploads.Count > 0);
    }

    [Fact]
    public async Task Status_with_chart_answers_with_the_lag_picture_attached()
    {
        var status = Harness.Inject.SlashCommand("status", new JsonObject { ["chart"] = true }, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole);
        AssertPng(await AnswerAsync(status), "lag-cluster-");
    }

    [Fact]
    public async Task The_timeline_answers_with_the_timeline_picture_attached()
    {
        await Harness.Store.RecordTransitionAsync(new Core.Pairs.PairTransition("datanode1", DateTimeOffset.UtcNow.AddMinutes(-5), Core.Pairs.PairState.Sync,
            Core.Pairs.PairState.DegradedSlaveLost, Core.Pairs.PairTrigger.ObservedSlaveLost, "lost"), default);
        await Harness.Store.RecordTransitionAsync(new Core.Pairs.PairTransition("datanode1", DateTimeOffset.UtcNow.AddMinutes(-4), Core.Pairs.PairState.DegradedSlaveLost,
            Core.Pairs.PairState.Async, Core.Pairs.PairTrigger.AsyncEnabled, "switched"), default);
        var timeline = Harness.Inject.SlashCommand("timeline", new JsonObject { ["datanode"] = "datanode1", ["since"] = "1h" }, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole);
        var answer = await AnswerAsync(timeline);
        AssertPng(answer, "timeline-datanode1-");
        Assert.Contains("commits blocked", answer.Body!["data"]!["embeds"]![0]!["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_switched_to_async_alert_goes_out_with_the_lag_picture_drawn_by_the_sender()
    {
        var candidate = new AlertCandidate("datanode1", AlertKinds.SlaveLost, Severity.Critical, "datanode1: slave lost", ["The slave stopped streaming."], "", []);
        var now = DateTimeOffset.UtcNow;
        var record = new AsyncSwitchRecord("datanode1", AsyncSwitchPhase.SwitchedToAsync, now.AddSeconds(-10), "its last reply", now.AddSeconds(-9), now.AddSeconds(-7), 1, null);
        var message = AsyncSwitchMessages.SwitchedToAsync(candidate, record, AutomationPolicy.Auto);
        Assert.Equal(new PictureRequest(PictureKind.Lag, "datanode1", TimeSpan.FromHours(1)), message.Picture);
        Assert.Empty(message.Images); // the monitor stores the request, never a drawing

        await Harness.Outbox.EnqueueAsync([new OutboxEntry(0, now, DiscordOutboxChannel.TargetName, OutboxKind.Alert, "incident/datanode1/slave-lost", message, "degraded-1")],
            CancellationToken.None);

        await Eventually.HoldsAsync(() => Harness.Fake.Requests.Any(r => r.Method == "POST" && r.Path.StartsWith("channels/", StringComparison.Ordinal) && r.Status == 200),
            "the alert posted");
        AssertPng(Harness.Fake.Requests.First(r => r.Method == "POST" && r.Path.StartsWith("channels/", StringComparison.Ordinal) && r.Status == 200), "lag-datanode1-");
    }
}
