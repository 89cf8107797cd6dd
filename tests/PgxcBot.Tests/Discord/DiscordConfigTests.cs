using PgxcBot.Tests.Secrets;

namespace PgxcBot.Tests.Discord;

public class DiscordConfigTests
{
    private static ConfigReport Validate(string discordJson)
    {
        var root = TestConfigs.Minimal();
        root["discord"] = System.Text.Json.Nodes.JsonNode.Parse(discordJson);
        return ConfigValidator.Validate(ConfigLoader.Parse(root.ToJsonString()));
    }

    [Fact]
    public void A_complete_gateway_section_gives_settings_with_defaults()
    {
        var report = Validate("""
            { "applicationId": "1200000000000000000", "guildId": "1100000000000000000", "channelId": "1150000000000000000", "token": { "env": "PGXCBOT_DISCORD_TOKEN" }, "registerCommandsAtStart": true }
            """);
        Assert.Empty(report.Errors);
        var settings = report.Topology!.Discord!;
        Assert.Equal(DiscordMode.Gateway, settings.Mode);
        Assert.True(settings.RegisterCommandsAtStart);
        Assert.Equal(TimeSpan.FromMinutes(5), settings.TimestampWindow);
    }

    [Fact]
    public void An_inline_token_is_refused_without_echoing_it()
    {
        var report = Validate("""
            { "applicationId": "1", "guildId": "2", "channelId": "3", "token": "MTIzNDU2.secret.value" }
            """);
        var error = Assert.Single(report.Errors, e => e.Path == "discord.token");
        Assert.Contains("must not be written in the config file", error.Message);
        Assert.DoesNotContain("MTIzNDU2", error.Message);
    }

    [Fact]
    public void Http_mode_needs_a_public_key_and_ids_must_be_snowflakes()
    {
        var report = Validate("""
            { "mode": "http", "applicationId": "my-app", "guildId": "2", "channelId": "3", "token": { "env": "T" }, "publicKey": "zz" }
            """);
        Assert.Contains(report.Errors, e => e.Path == "discord.applicationId" && e.Message.Contains("not a Discord ID", StringComparison.Ordinal));
        Assert.Contains(report.Errors, e => e.Path == "discord.publicKey" && e.Message.Contains("64 hexadecimal digits", StringComparison.Ordinal));
        var missing = Validate("""
            { "mode": "http", "applicationId": "1", "guildId": "2", "channelId": "3", "token": { "env": "T" } }
            """);
        Assert.Contains(missing.Errors, e => e.Path == "discord.publicKey" && e.Message.StartsWith("missing", StringComparison.Ordinal));
        var mode = Validate("""
            { "mode": "websocket", "applicationId": "1", "guildId": "2", "channelId": "3", "token": { "env": "T" } }
            """);
        Assert.Contains(mode.Errors, e => e.Path == "discord.mode");
    }
}
