using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Cli;
using PgxcBot.Discord.Rest;
using PgxcBot.Tests.Cli;
using PgxcBot.Tests.Config;
using PgxcBot.Tests.Discord.Fake;

namespace PgxcBot.Tests.Discord;

/// <summary>The CLI commands of the adapter, wired by the host as in production, against the fake Discord.</summary>
public sealed class ServeCommandTests : IAsyncLifetime
{
    private readonly TempConfigDirectory _directory = new();
    private FakeDiscord _fake = null!;
    private string _config = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeDiscord.StartAsync();
        _config = WriteConfig(_directory, _fake);
    }

    public async Task DisposeAsync()
    {
        await _fake.DisposeAsync();
        _directory.Dispose();
    }

    /// <summary>The minimal config with a discord section whose token (in a file) the fake accepts.</summary>
    internal static string WriteConfig(TempConfigDirectory directory, FakeDiscord fake, bool registerCommandsAtStart = false)
    {
        var tokenFile = directory.Write("discord.token", fake.Token + "\n");
        var config = TestConfigs.Minimal();
        config["discord"] = new JsonObject
        {
            ["applicationId"] = InteractionInjector.ApplicationId,
            ["guildId"] = InteractionInjector.GuildId,
            ["channelId"] = InteractionInjector.ChannelId,
            ["token"] = new JsonObject { ["file"] = tokenFile },
            ["registerCommandsAtStart"] = registerCommandsAtStart,
        };
        return directory.Write("pgxcbot.json", config.ToJsonString());
    }

    private Action<IServiceCollection> AtTheFake => services =>
    {
        services.AddSingleton(new DiscordRestOptions { ApiBase = _fake.ApiBase });
        services.AddSingleton(DiscordHarness.FastGateway());
    };

    [Fact]
    public async Task Register_commands_overwrites_the_guild_commands_with_pgxc()
    {
        var run = await CliRun.RunAsync(["register-commands", "--config", _config], overrides: AtTheFake);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Registered /pgxc with", run.Out);
        var put = Assert.Single(_fake.Requests, r => r.Method == "PUT");
        Assert.Equal($"applications/{InteractionInjector.ApplicationId}/guilds/{InteractionInjector.GuildId}/commands", put.Path);
        Assert.Equal("pgxc", put.Body![0]!["name"]!.GetValue<string>());
        Assert.DoesNotContain(_fake.Token, run.Out + run.Error);
    }

    [Fact]
    public async Task Serve_stops_with_a_clear_error_when_the_gateway_rejects_the_token()
    {
        _fake.Gateway.CloseAfterHelloWith = 4004;

        var run = await CliRun.RunAsync(["serve", "--config", _config], overrides: AtTheFake);

        Assert.Equal(ExitCodes.ChatRefused, run.ExitCode);
        Assert.Contains("4004 authentication failed", run.Error);
        Assert.Equal(1, _fake.Gateway.Connections);
        Assert.DoesNotContain(_fake.Token, run.Out + run.Error);
    }
}
