using System.Text.RegularExpressions;
using PgxcBot.Core.Commands;
using PgxcBot.Discord.Interactions;
using PgxcBot.Discord.Rendering;

namespace PgxcBot.Tests.Discord;

public class DiscordRenderingTests
{
    [Fact]
    public void Oversized_messages_are_truncated_with_a_visible_note_and_keep_the_table()
    {
        var lines = Enumerable.Range(1, 400).Select(i => $"step {i}: " + new string('x', 60)).ToArray();
        var table = new MessageTable(["repointed", "result", "error"], [["coord1", "ok", ""], ["coord2", "FAILED", "timeout"]]);
        var fields = Enumerable.Range(1, 40).Select(i => new MessageField($"f{i}", new string('v', 2000))).ToArray();
        var message = new ChatMessage(new string('T', 400), Severity.Critical, fields, lines, [table], []);

        var embed = DiscordMessageRenderer.Render(message)["embeds"]![0]!;
        var title = embed["title"]!.GetValue<string>();
        var description = embed["description"]!.GetValue<string>();
        var renderedFields = embed["fields"]!.AsArray();
        Assert.True(title.Length <= DiscordLimits.EmbedTitle);
        Assert.True(description.Length <= DiscordLimits.EmbedDescription);
        Assert.Contains("truncated", description);
        Assert.Matches(@"coord2 +FAILED +timeout", description);
        Assert.True(renderedFields.Count <= DiscordLimits.EmbedFields);
        Assert.All(renderedFields, f => Assert.True(f!["value"]!.GetValue<string>().Length <= DiscordLimits.FieldValue));
        var total = title.Length + description.Length + renderedFields.Sum(f => f!["name"]!.GetValue<string>().Length + f["value"]!.GetValue<string>().Length)
                    + (embed["footer"]?["text"]?.GetValue<string>().Length ?? 0);
        Assert.True(total <= DiscordLimits.EmbedTotal, $"embed total {total}");
        Assert.Contains("left out", embed["footer"]!["text"]!.GetValue<string>());
    }

    [Fact]
    public void Mentions_are_always_explicit_and_markdown_is_escaped()
    {
        var payload = DiscordMessageRenderer.Render(ChatMessage.Simple("x", Severity.Ok, "@everyone look at datanode_a and datanode_b"));
        Assert.Empty(payload["allowed_mentions"]!["parse"]!.AsArray());
        Assert.Contains(@"datanode\_a", payload["embeds"]![0]!["description"]!.GetValue<string>());
        Assert.Equal(0x2ECC71, payload["embeds"]![0]!["color"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("/pgxc approve 3 --plan ab12cd", "pgxc:approve:3:--plan:ab12cd")]
    [InlineData("/pgxc approve 12 --plan 0123456789abcdef --fencing-unverified", "pgxc:approve:12:--plan:0123456789abcdef:--fencing-unverified")]
    [InlineData("/pgxc promote datanode1", "pgxc:promote:datanode1")]
    public void Button_custom_ids_carry_the_command_and_decode_back(string command, string customId)
    {
        Assert.Equal(customId, CustomIds.Encode(command));
        Assert.Equal(command, CustomIds.Decode(customId));
    }

    [Fact]
    public void Custom_ids_that_are_not_ours_or_too_long_are_refused()
    {
        Assert.Null(CustomIds.Decode("other:thing"));
        Assert.Null(CustomIds.Decode("pgxc:approve::3"));
        Assert.Null(CustomIds.Encode("/pgxc promote " + new string('d', 120)));
    }

    [Fact]
    public void The_slash_command_is_generated_from_the_catalogue_within_discord_limits()
    {
        var command = SlashCommands.Build(CommandCatalogue.All)[0]!;
        var subs = command["options"]!.AsArray();
        Assert.Equal(CommandCatalogue.All.Where(c => c.Available).Select(c => c.Name), subs.Select(s => s!["name"]!.GetValue<string>()));
        var name = new Regex(@"^[-_'\p{L}\p{N}]{1,32}$");
        foreach (var sub in subs)
        {
            Assert.Matches(name, sub!["name"]!.GetValue<string>());
            Assert.InRange(sub["description"]!.GetValue<string>().Length, 1, 100);
            var options = sub["options"]?.AsArray() ?? [];
            var required = options.Select(o => o!["required"]!.GetValue<bool>()).ToArray();
            Assert.Equal(required.OrderByDescending(r => r), required); // required first
            foreach (var option in options)
            {
                Assert.Matches(name, option!["name"]!.GetValue<string>());
                Assert.Equal(option["name"]!.GetValue<string>().ToLowerInvariant(), option["name"]!.GetValue<string>());
            }
        }
        var promote = subs.Single(s => s!["name"]!.GetValue<string>() == "promote")!["options"]!.AsArray();
        Assert.True(promote[0]!["autocomplete"]!.GetValue<bool>());
        Assert.Equal(5, promote.Single(o => o!["name"]!.GetValue<string>() == "accept-data-loss")!["type"]!.GetValue<int>());
    }

    [Fact]
    public void A_slash_invocation_becomes_the_console_command_line()
    {
        using var doc = System.Text.Json.JsonDocument.Parse("""
            {"name":"pgxc","type":1,"options":[{"name":"promote","type":1,"options":[
              {"name":"datanode","type":3,"value":"datanode1"},{"name":"accept-data-loss","type":5,"value":true}]}]}
            """);
        Assert.Equal(("/pgxc promote datanode1 --accept-data-loss", null), SlashCommands.ToCommandLine(doc.RootElement));
        using var history = System.Text.Json.JsonDocument.Parse("""{"name":"pgxc","options":[{"name":"history","type":1,"options":[{"name":"limit","type":4,"value":5}]}]}""");
        Assert.Equal("/pgxc history --limit 5", SlashCommands.ToCommandLine(history.RootElement).Line);
    }
}
