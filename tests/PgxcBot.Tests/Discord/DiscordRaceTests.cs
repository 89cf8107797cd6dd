using System.Text.Json;
using PgxcBot.Discord.Interactions;

namespace PgxcBot.Tests.Discord;

/// <summary>
/// Several Approve clicks on one plan message at the same instant (a double click, two approvers): the promote
/// runs once, the other clickers are told privately who approved, and the public message never goes back to
/// "awaiting approval" with live buttons.
/// </summary>
public sealed class DiscordRaceTests
{
    private const string Carol = "5390000000000000004";
    private const string PlanMessage = "1300000000000000001";

    private static JsonObject Embed(JsonNode? message) => message!["embeds"]![0]!.AsObject();

    /// <summary>The message a request shows, when it shows one: a callback's data, or an edit's body.</summary>
    private static JsonNode? Shown(RecordedRequest request) => request.Body?["data"] ?? (request.Method == "PATCH" ? request.Body : null);

    private static bool IsEphemeral(RecordedRequest request) => (Shown(request)?["flags"]?.GetValue<int>() ?? 0) == 64 || (request.Body?["flags"]?.GetValue<int>() ?? 0) == 64;

    /// <summary>A request that redraws the public plan message: UPDATE_MESSAGE (7) or an edit of @original.</summary>
    private static bool Redraws(RecordedRequest request) =>
        !IsEphemeral(request) && (request.Body?["type"]?.GetValue<int>() == 7 || (request.Method == "PATCH" && request.Path.EndsWith("/messages/@original", StringComparison.Ordinal)));

    [Fact]
    public async Task Concurrent_approve_clicks_run_the_promote_once_and_never_redraw_the_message_backwards()
    {
        for (var round = 0; round < 6; round++)
        {
            await using var h = await DiscordHarness.StartAsync();
            h.MasterDiedWhileSync();
            var promote = h.Inject.SlashCommand("promote", new JsonObject { ["datanode"] = "datanode1" }, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole);
            await h.Dispatcher.HandleAsync(Parse(promote), h.Stopping);
            await Eventually.HoldsAsync(() => h.AnswersTo(promote).Any(a => a.Method == "PATCH" && a.Status == 200), "the plan shown through the outbox");
            var plan = h.AnswersTo(promote).Last(a => a.Method == "PATCH");
            var components = plan.Body!["components"]!.AsArray();
            var approveId = components[0]!["components"]![0]!["custom_id"]!.GetValue<string>();

            // Bob double-clicks, Carol clicks too: four interactions at the same instant.
            var clicks = new[]
            {
                h.Inject.ButtonClick(approveId, PlanMessage, components, DiscordHarness.Bob, "bob", DiscordHarness.DbaRole),
                h.Inject.ButtonClick(approveId, PlanMessage, components, DiscordHarness.Bob, "bob", DiscordHarness.DbaRole),
                h.Inject.ButtonClick(approveId, PlanMessage, components, Carol, "carol", DiscordHarness.DbaRole),
                h.Inject.ButtonClick(approveId, PlanMessage, components, DiscordHarness.Bob, "bob", DiscordHarness.DbaRole),
            };
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var handled = clicks.Select(c => Task.Run(async () =>
            {
                await go.Task;
                await h.Dispatcher.HandleAsync(Parse(c), h.Stopping);
            })).ToArray();
            go.SetResult();
            await Task.WhenAll(handled).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(1, h.Cluster.Ran("pg_ctl promote"));
            await Eventually.HoldsAsync(() => clicks.Any(c => h.AnswersTo(c).Where(Redraws).Any(r => Embed(Shown(r))["title"]!.GetValue<string>().Contains("succeeded", StringComparison.Ordinal))),
                "the outcome shown on the plan message");
            var answers = clicks.Select(h.AnswersTo).ToArray();
            var winner = Assert.Single(answers, a => a.Any(Redraws));
            var shown = winner.Where(Redraws).Select(r => Embed(Shown(r))["title"]!.GetValue<string>()).ToArray();
            Assert.DoesNotContain(shown, t => t.Contains("awaiting approval", StringComparison.Ordinal));
            Assert.Contains("succeeded", shown[^1]);
            var approver = winner == answers[2] ? "carol" : "bob";

            foreach (var loser in answers.Where(a => a != winner))
            {
                Assert.DoesNotContain(loser, Redraws);
                var told = Assert.Single(loser, IsEphemeral);
                var text = Embed(Shown(told) ?? told.Body)["description"]!.GetValue<string>();
                Assert.Contains($"already approved by {approver}", text);
            }
        }
    }

    private static Interaction Parse(JsonObject interaction)
    {
        using var document = JsonDocument.Parse(interaction.ToJsonString());
        return Interaction.Parse(document.RootElement.Clone());
    }
}
