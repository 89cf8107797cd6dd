using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Topology;
using PgxcBot.Discord;
using PgxcBot.Discord.Interactions;
using PgxcBot.Discord.Outbox;
using PgxcBot.Discord.Rest;
using PgxcBot.Hosting;
using PgxcBot.Outbox;
using PgxcBot.Tests.Discord.Fake;
using static PgxcBot.Benchmarks.Approvers;

namespace PgxcBot.Benchmarks;

/// <summary>
/// <c>chat</c>: chat is never in the critical path. The promote of the <c>promote</c> benchmark (fresh lab per
/// trial, master killed, approved by a second user), requested and approved from a Discord interaction whose
/// message shows the progress, through the production path (outbox in the store, Discord sender, REST client)
/// against the fake Discord, in three conditions: Discord well; a 50% 429 storm on the progress route (the
/// interaction's webhook edits); a Discord that never answers. Reports approval → done, the longest gap between
/// two steps, and when the final state reached Discord.
/// </summary>
internal sealed class ChatBenchmark : IBenchmark
{
    public string Name => "chat";

    public string Description => "promote with Discord well / 50% 429 storm on progress edits / never answering: duration and step gaps. Options: --trials 10";

    private enum Condition { Well, Storm, Silent }

    /// <param name="GapsMs">The time between steps, summed: what the engine spent outside the steps (storing them,
    /// and before this outbox, waiting for Discord).</param>
    private sealed record Trial(double TotalMs, double LongestGapMs, double GapsMs, double? ShownAfterMs);

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        var trials = new BenchmarkOptions(arguments, "trials").Int("trials", 10, 1, 100);
        var results = new Dictionary<Condition, List<Trial>>();
        await progress.WriteLineAsync($"chat: load average at start {MachineLoad()}");
        // A warm-up round (JIT, pools, page cache), not counted.
        foreach (var condition in Enum.GetValues<Condition>()) await RunTrialAsync(condition, cancellationToken);
        // Interleaved, so that a slow spell of the machine does not land on one condition only.
        for (var trial = 1; trial <= trials; trial++)
            foreach (var condition in Enum.GetValues<Condition>())
            {
                var result = await RunTrialAsync(condition, cancellationToken);
                (results.TryGetValue(condition, out var list) ? list : results[condition] = []).Add(result);
                await progress.WriteLineAsync($"chat: trial {trial}/{trials} {condition}: {result.TotalMs:0} ms, step gaps {result.GapsMs:0.0} ms (longest {result.LongestGapMs:0.0} ms), " +
                                              $"final state in Discord {(result.ShownAfterMs is { } s ? $"{s:0} ms after the end" : "never")}");
            }

        await output.WriteLineAsync($"| Discord ({trials} trials each) | approval → done, median (ms) | p95 (ms) | time between steps, summed, median (ms) | longest gap between two steps, max (ms) | final state shown, median after the end (ms) |");
        await output.WriteLineAsync("|---|---:|---:|---:|---:|---:|");
        foreach (var (condition, list) in results)
        {
            var total = Stats.Of(list.Select(t => t.TotalMs).ToArray());
            var gaps = Stats.Of(list.Select(t => t.LongestGapMs).ToArray());
            var summed = Stats.Of(list.Select(t => t.GapsMs).ToArray());
            var shown = list.Where(t => t.ShownAfterMs is not null).Select(t => t.ShownAfterMs!.Value).ToArray();
            var label = condition switch
            {
                Condition.Well => "answers normally",
                Condition.Storm => "50% of progress edits get 429 (retry_after 0.3 s)",
                _ => "never answers",
            };
            await output.WriteLineAsync($"| {label} | {total.Median:0} | {total.P95:0} | {summed.Median:0.0} | {gaps.Max:0.0} | " +
                                        $"{(shown.Length == 0 ? "never (as it should)" : $"{Stats.Of(shown).Median:0}")} |");
        }
        var well = Stats.Of(results[Condition.Well].Select(t => t.TotalMs).ToArray()).Median;
        var storm = Stats.Of(results[Condition.Storm].Select(t => t.TotalMs).ToArray()).Median;
        // Paired: each storm trial against the well trial run just before it, so the machine's load is alike.
        var paired = Stats.Of(results[Condition.Storm].Zip(results[Condition.Well]).Select(p => (p.First.TotalMs - p.Second.TotalMs) / p.Second.TotalMs * 100).ToArray());
        await output.WriteLineAsync();
        await output.WriteLineAsync($"Storm vs well: medians {(storm - well) / well * 100:+0.0;-0.0} %, paired trials median {paired.Median:+0.0;-0.0} % (target: within ±10 %). " +
                                    $"Load average at the end {MachineLoad()}.");
        return 0;
    }

    private static string MachineLoad()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static async Task<Trial> RunTrialAsync(Condition condition, CancellationToken cancellationToken)
    {
        await using var fake = await FakeDiscord.StartAsync();
        var inject = new InteractionInjector(fake);
        await using var cluster = await LabCluster.StartAsync(new LabPairOptions(), 2, LabReplicationMode.Sync, coordinators: 2,
            maxDegreeOfParallelism: 2, cancellationToken);
        await using var bot = await LabBot.StartAsync(cluster, cancellationToken,
            services => services.AddSingleton(new OutboxRoute(DiscordOutboxChannel.TargetName, ProgressStyle.Message, Alerts: true)));
        var status = bot.Get<IClusterStatusSource>();
        var service = bot.Get<OperationService>();
        await status.GetAsync(cancellationToken);

        using var http = new HttpClient();
        var api = new DiscordApi(new DiscordRestClient(http, new DiscordRestOptions { ApiBase = fake.ApiBase }, () => fake.Token, TimeProvider.System,
            NullLogger<DiscordRestClient>.Instance));
        var settings = new DiscordSettings(DiscordMode.Gateway, InteractionInjector.ApplicationId, InteractionInjector.GuildId, InteractionInjector.ChannelId,
            null, new SecretReference { Env = "X" }, null, null, "127.0.0.1", 0, "/interactions", TimeSpan.FromMinutes(5), false);
        var channel = new DiscordOutboxChannel(api, settings, new InteractionResponses(), new DiscordOutboxOptions(), new DiscordAdapterStatus(), TimeProvider.System,
            NullLogger<DiscordOutboxChannel>.Instance);
        using var stopSender = new CancellationTokenSource();
        var sender = new OutboxSender(bot.Get<IOutboxStore>(), channel, new OutboxSenderOptions(), TimeProvider.System, NullLogger<OutboxSender>.Instance)
            .RunAsync(stopSender.Token);
        try
        {
            // The request and the approval come from Discord interactions, answered (deferred) at once, as the dispatcher does.
            var asked = inject.SlashCommand("promote", new JsonObject { ["datanode"] = "datanode1" }, "1", "alice");
            var clicked = inject.ButtonClick("pgxc:approve:1", "1300000000000000001", new JsonArray(), "2", "bob");
            foreach (var interaction in new[] { asked, clicked })
                await api.CreateInteractionResponseAsync(interaction["id"]!.GetValue<string>(), interaction["token"]!.GetValue<string>(),
                    new JsonObject { ["type"] = interaction == asked ? 5 : 6 }, cancellationToken);
            var origin = (JsonObject i, AnswerTarget target) => new ChatOrigin(DiscordOutboxChannel.TargetName,
                new DiscordAddress(i["id"]!.GetValue<string>(), InteractionInjector.ApplicationId, i["token"]!.GetValue<string>(), InteractionInjector.ChannelId,
                    target == AnswerTarget.SourceMessage ? "1300000000000000001" : null, null).ToJson());

            await cluster.Pair("datanode1").Master.KillAsync(cancellationToken);
            var deadline = Stopwatch.StartNew();
            while ((await status.GetAsync(cancellationToken)).Assessment.Pairs[0].Condition != ObservedCondition.MasterLost)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("the killed master was not seen lost within 30 s");
                await Task.Delay(50, cancellationToken);
            }
            var requested = (await service.RequestAsync("promote", "datanode1", [], Alice, cancellationToken, origin(asked, AnswerTarget.NewMessage))).Operation
                ?? throw new InvalidOperationException("the promote was refused");

            switch (condition)
            {
                case Condition.Storm:
                    fake.Storm = ("webhooks", 0.5, 0.3);
                    break;
                case Condition.Silent:
                    for (var i = 0; i < 10000; i++) fake.Hangs.Enqueue("/");
                    break;
            }
            var clock = Stopwatch.StartNew();
            var done = (await service.ApproveAsync(requested.Id, requested.Nonce, Bob, [], cancellationToken, origin(clicked, AnswerTarget.SourceMessage))).Operation!;
            clock.Stop();
            var endedAt = Stopwatch.GetTimestamp();
            if (done.State != OperationState.Succeeded) throw new InvalidOperationException($"the promote ended {done.State}: {done.Result}");
            var between = done.Steps.Zip(done.Steps.Skip(1)).Select(p => (p.Second.StartedAt!.Value - p.First.EndedAt!.Value).TotalMilliseconds).ToArray();

            double? shownAfter = null;
            var wait = Stopwatch.StartNew();
            while (wait.Elapsed < TimeSpan.FromSeconds(condition == Condition.Silent ? 2 : 30))
            {
                var final = fake.Requests.FirstOrDefault(r => r.Status == 200 && r.Method == "PATCH"
                    && r.Body?["embeds"]?[0]?["title"]?.GetValue<string>().Contains("succeeded", StringComparison.Ordinal) == true);
                if (final is not null)
                {
                    shownAfter = Math.Max(0, Stopwatch.GetElapsedTime(endedAt, final.At).TotalMilliseconds);
                    break;
                }
                await Task.Delay(20, cancellationToken);
            }
            return new Trial(clock.Elapsed.TotalMilliseconds, between.DefaultIfEmpty().Max(), between.Sum(), shownAfter);
        }
        finally
        {
            fake.ReleaseHangs();
            await stopSender.CancelAsync();
            await sender;
        }
    }
}
