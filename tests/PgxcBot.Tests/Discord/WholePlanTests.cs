using System.Text.Json;
using PgxcBot.Discord.Interactions;
using PgxcBot.Discord.Outbox;
using PgxcBot.Discord.Rendering;

namespace PgxcBot.Tests.Discord;

/// <summary>On Discord the approver always sees the whole plan (through the outbox too: its entry keeps the whole
/// message and the Discord sender attaches it when it does not fit); a promote that only missed a repoint says so;
/// an error is said once; tables fit a phone.</summary>
public sealed class WholePlanTests : DiscordHarnessTest
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 3, 0, 0, TimeSpan.Zero);

    /// <summary>A promote on a real-sized cluster: fence, promote, clear sync, then a repoint per coordinator and per datanode catalog.</summary>
    private static Operation BigPromote(int coordinators, int datanodes, Func<int, StepStatus>? status = null, string? error = null)
    {
        var steps = new List<RunbookStep>
        {
            Step("fence-stop-old-master", "Fence: stop the old master on node01 (immediate)", "pg_ctl stop -w -t 60 -m immediate -D /home/postgresxc/pgxc/datanode"),
            Step("promote-slave", "Promote the slave on node02", "pg_ctl promote -w -t 60 -D /home/postgresxc/pgxc/datanode1_slave"),
            Step("clear-sync", "Clear synchronous_standby_names on the new master", "ALTER SYSTEM SET synchronous_standby_names = ''"),
        };
        steps.AddRange(Enumerable.Range(1, coordinators).Select(i => Step($"repoint-coord{i}", $"Repoint coord{i} at the new master",
            "ALTER NODE \"datanode1\" WITH (HOST = '10.0.0.12', PORT = 20010); SELECT pgxc_pool_reload();", OnFailure.Continue)));
        steps.AddRange(Enumerable.Range(1, datanodes).Select(i => Step($"repoint-catalog-datanode{i}", $"Repoint datanode1 in datanode{i}'s own catalog",
            $"EXECUTE DIRECT ON (\"datanode{i}\") 'ALTER NODE \"datanode1\" WITH (HOST = ''10.0.0.12'', PORT = 20010, TYPE = ''datanode'')'", OnFailure.Continue)));
        var plan = new Runbook("promote", "datanode1", "Promote datanode1's slave on node02:20010 to master, fence the old master, repoint every coordinator and datanode catalog.",
            steps, ["the master at node01:20006 does not answer."], []);
        var records = Operation.PendingSteps(plan).Select(r => status is null ? r : r with
        {
            Status = status(r.Index),
            Summary = status(r.Index) == StepStatus.Failed ? error : "verified",
            Output = status(r.Index) == StepStatus.Failed ? error : null,
        }).ToArray();
        var state = status is null ? OperationState.AwaitingApproval : records.Any(r => r.Status == StepStatus.Failed) ? OperationState.Failed : OperationState.Succeeded;
        return new Operation(7, "promote", "datanode1", state, Actor.Console("alice"), Now, null, null, Now.AddMinutes(10), "b5811d565684",
            plan, records, null, []);

        static RunbookStep Step(string id, string title, string sql, OnFailure onFailure = OnFailure.Stop) =>
            new(id, title, "node02 (datanode1 slave 10.0.0.12:20010)", new RunSql(new SqlTarget("coord", "10.0.0.11", 20004), [sql]),
                new SqlProbe("coord routes datanode1 to 10.0.0.12:20010, and datanode1 answers there, writable", new SqlTarget("coord", "10.0.0.11", 20004), "SELECT 1", "1"),
                null, TimeSpan.FromSeconds(15), true, onFailure);
    }

    [Fact]
    public void A_plan_too_long_for_discord_is_shown_step_by_step_with_the_whole_of_it_attached_never_cut()
    {
        var operation = BigPromote(coordinators: 16, datanodes: 32);
        var message = OperationMessageBuilder.Build(operation);
        Assert.False(DiscordMessageRenderer.Fits(message));

        var rendered = DiscordMessageRenderer.RenderWhole(message);
        var description = rendered.Payload["embeds"]![0]!["description"]!.GetValue<string>();
        Assert.DoesNotContain("truncated", description);
        Assert.True(description.Length <= DiscordLimits.EmbedDescription);
        // Every step is named in the message itself (the repoints grouped), the commands are in the file.
        Assert.Contains("1. [ ] Fence: stop the old master", description);
        Assert.Contains("4-51. [ ] Repoint 48 targets at the new master: coord1", description);
        Assert.Contains("datanode32 (catalog)", description);
        Assert.Contains("attached as operation-7-b5811d565684.txt", description);
        var file = Assert.Single(rendered.Files);
        var text = System.Text.Encoding.UTF8.GetString(file.Content);
        Assert.Equal(PlainTextRenderer.Render(message), text);
        Assert.Contains("EXECUTE DIRECT ON (\"datanode32\")", text);
        Assert.Equal("operation-7-b5811d565684.txt", rendered.Payload["attachments"]![0]!["filename"]!.GetValue<string>());
        // The buttons are still there: approving does not depend on the file.
        Assert.NotEmpty(rendered.Payload["components"]!.AsArray());

        var small = DiscordMessageRenderer.RenderWhole(OperationMessageBuilder.Build(BigPromote(2, 2)));
        Assert.Empty(small.Files); // what fits is shown whole, with no file
    }

    /// <summary>A progress entry as the engine writes it: the operation's message, to the interaction's message.</summary>
    private static OutboxEntry Progress(ChatMessage message, string nonce, string? address, bool final = false) =>
        new(0, DateTimeOffset.UtcNow, DiscordOutboxChannel.TargetName, OutboxKind.Progress, "operation/7", message, nonce) { Address = address, Final = final };

    private static Interaction Parse(JsonObject interaction)
    {
        using var document = JsonDocument.Parse(interaction.ToJsonString());
        return Interaction.Parse(document.RootElement.Clone());
    }

    [Fact]
    public async Task The_whole_plan_goes_through_the_outbox_to_discord_as_multipart_with_payload_json_before_and_after_the_token_expires()
    {
        // The dispatcher's first answer (a deferral); then the engine's progress entry, through the SQLite outbox and the sender.
        var interaction = Parse(Harness.Inject.SlashCommand("promote", new JsonObject { ["datanode"] = "datanode1" }, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole));
        await Harness.Api.CreateInteractionResponseAsync(interaction.Id, interaction.Token, new JsonObject { ["type"] = 5 }, CancellationToken.None);
        var plan = OperationMessageBuilder.Build(BigPromote(16, 32));
        var address = DiscordAddress.Of(interaction, AnswerTarget.NewMessage, null).ToJson();
        await Harness.Outbox.EnqueueAsync([Progress(plan, "whole-plan-1", address)], CancellationToken.None);

        await Eventually.HoldsAsync(() => Harness.Fake.Requests.Any(r => r.Method == "PATCH" && r.Status == 200), "the plan shown");
        var shown = Harness.Fake.Requests.Single(r => r.Method == "PATCH" && r.Status == 200);
        Assert.EndsWith("/messages/@original", shown.Path);
        var file = Assert.Single(shown.Files);
        Assert.Equal("operation-7-b5811d565684.txt", file.Name);
        Assert.Equal(PlainTextRenderer.Render(plan), file.Text); // the store kept the whole message, compact form and file name included
        Assert.Contains("EXECUTE DIRECT ON (\"datanode32\")", file.Text);
        Assert.Equal("operation-7-b5811d565684.txt", shown.Body!["attachments"]![0]!["filename"]!.GetValue<string>());
        Assert.Contains("4-51. [ ] Repoint 48 targets at the new master", shown.Body["embeds"]![0]!["description"]!.GetValue<string>());

        // Past the token's life the bot token edits the same message: the outcome is attached whole as well.
        Harness.Fake.ExpireToken(interaction.Token);
        var outcome = OperationMessageBuilder.Build(BigPromote(16, 32, _ => StepStatus.Succeeded));
        await Harness.Outbox.EnqueueAsync([Progress(outcome, "whole-plan-2", null, final: true)], CancellationToken.None);
        await Eventually.HoldsAsync(() => Harness.Fake.Requests.Any(r => r.Method == "PATCH" && r.Path.StartsWith("channels/", StringComparison.Ordinal) && r.Status == 200),
            "the outcome edited with the bot token");
        var edited = Harness.Fake.Requests.Single(r => r.Method == "PATCH" && r.Path.StartsWith("channels/", StringComparison.Ordinal));
        Assert.Equal("Bot " + Harness.Fake.Token, edited.Authorization);
        Assert.Equal(PlainTextRenderer.Render(outcome), Assert.Single(edited.Files).Text);
        Assert.Empty(Harness.Fake.ChannelMessages); // the same message, not a new one
        await Eventually.HoldsAsync(() => Harness.PendingAsync().GetAwaiter().GetResult().Count == 0, "the outbox empty");
    }

    [Fact]
    public async Task A_progress_state_that_fits_again_is_shown_without_the_earlier_file()
    {
        var interaction = Parse(Harness.Inject.SlashCommand("promote", new JsonObject { ["datanode"] = "datanode1" }, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole));
        await Harness.Api.CreateInteractionResponseAsync(interaction.Id, interaction.Token, new JsonObject { ["type"] = 5 }, CancellationToken.None);
        var address = DiscordAddress.Of(interaction, AnswerTarget.NewMessage, null).ToJson();
        await Harness.Outbox.EnqueueAsync([Progress(OperationMessageBuilder.Build(BigPromote(2, 2)), "fits-1", address)], CancellationToken.None);

        await Eventually.HoldsAsync(() => Harness.Fake.Requests.Any(r => r.Method == "PATCH" && r.Status == 200), "the plan shown");
        var shown = Harness.Fake.Requests.Single(r => r.Method == "PATCH" && r.Status == 200);
        Assert.Empty(shown.Files);
        // An edit lists the attachments to keep: none, so a stale whole-plan file of an earlier state never stays beside a newer one.
        Assert.Empty(shown.Body!["attachments"]!.AsArray());
    }

    [Fact]
    public async Task A_first_answer_too_long_for_discord_carries_the_whole_message_as_a_file()
    {
        var interaction = Parse(Harness.Inject.SlashCommand("status", null, DiscordHarness.Alice, "alice", DiscordHarness.DbaRole));
        var session = new InteractionSession(interaction, AnswerTarget.NewMessage, Harness.Api);
        var plan = OperationMessageBuilder.Build(BigPromote(16, 32));
        await session.ShowAsync(DiscordMessageRenderer.RenderWhole(plan), CancellationToken.None);

        var answer = Assert.Single(Harness.Fake.Requests);
        Assert.Equal("POST", answer.Method);
        Assert.Equal(PlainTextRenderer.Render(plan), Assert.Single(answer.Files).Text);
        Assert.Equal(4, answer.Body!["type"]!.GetValue<int>());
        Assert.Equal("operation-7-b5811d565684.txt", answer.Body["data"]!["attachments"]![0]!["filename"]!.GetValue<string>());
    }

    [Fact]
    public void A_promote_that_missed_one_repoint_is_titled_promoted_and_its_error_is_said_once_in_short_rows()
    {
        var error = "coord2 (10.0.0.13:20004): connection refused after 3 attempts within 15 s; " + new string('x', 380);
        var operation = BigPromote(2, 2, i => i == 4 ? StepStatus.Failed : StepStatus.Succeeded, error) with
        {
            Result = $"done except 1 step(s): step 5 \"Repoint coord2 at the new master\". Next: /pgxc repoint datanode1, then /pgxc rebuild datanode1.",
        };
        var message = OperationMessageBuilder.Build(operation);
        Assert.Equal("Operation 7: promote datanode1 - promoted; 1 of 4 repoints failed: /pgxc repoint datanode1", message.Title);
        Assert.Equal(Severity.Warning, message.Severity);

        var text = PlainTextRenderer.Render(message);
        Assert.Equal(1, CountOf(text, error));
        var table = Assert.Single(message.Tables);
        Assert.All(table.Rows, row => Assert.True(string.Join("  ", row).Length <= DiscordMessageRenderer.PhoneTableWidth, string.Join("  ", row)));
        Assert.Contains(table.Rows, row => row[1] == "FAILED (step 5)");

        var description = DiscordMessageRenderer.Render(message)["embeds"]![0]!["description"]!.GetValue<string>();
        Assert.True(CountOf(description, "connection refused after 3 attempts") <= 1);
    }

    [Fact]
    public void A_wide_table_is_written_as_lines_that_wrap_on_a_phone()
    {
        var header = new[] { "datanode" }.Concat(Enumerable.Range(1, 8).Select(i => $"coord{i}")).ToArray();
        var rows = Enumerable.Range(1, 3).Select(d => (IReadOnlyList<string>)new[] { $"datanode{d}" }.Concat(Enumerable.Range(1, 8).Select(_ => "10.0.0.12:20010")).ToArray()).ToArray();
        var message = new ChatMessage("routing", Severity.Ok, [], ["routing"], [new MessageTable(header, rows)], []);
        var description = DiscordMessageRenderer.Render(message)["embeds"]![0]!["description"]!.GetValue<string>();
        Assert.DoesNotContain("```", description);
        Assert.Contains("**datanode1**: coord1 10.0.0.12:20010 · coord2 10.0.0.12:20010", description);
    }

    private static int CountOf(string text, string part)
    {
        var n = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
