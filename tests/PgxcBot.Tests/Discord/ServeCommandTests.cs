using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Cli;
using PgxcBot.Discord.Rest;
using PgxcBot.Tests.Cli;
using PgxcBot.Tests.Hosting;
using PgxcBot.Tests.Secrets;
using PgxcBot.Tests.Topology;
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
        var config = directory.Runnable();
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
    public async Task Discord_api_base_url_from_the_config_is_where_the_rest_client_goes()
    {
        var config = JsonNode.Parse(await File.ReadAllTextAsync(_config))!.AsObject();
        config["discord"]!["apiBaseUrl"] = _fake.ApiBase.AbsoluteUri; // http to loopback: allowed
        var file = _directory.Write("with-base.json", config.ToJsonString());

        var run = await CliRun.RunAsync(["register-commands", "--config", file]); // no DiscordRestOptions override

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        Assert.Single(_fake.Requests, r => r.Method == "PUT");
    }

    [Theory]
    [InlineData("http://discord-proxy.example.com/api/v10/", "http is allowed only to this machine")]
    [InlineData("https://user:pw@discord.com/api/v10/", "without user name")]
    public async Task Discord_api_base_url_must_be_https_or_loopback(string url, string expected)
    {
        var config = JsonNode.Parse(await File.ReadAllTextAsync(_config))!.AsObject();
        config["discord"]!["apiBaseUrl"] = url;
        var run = await CliRun.RunAsync(["check-config", "--config", _directory.Write("bad-base.json", config.ToJsonString())]);
        Assert.Equal(ExitCodes.BadConfig, run.ExitCode);
        Assert.Contains("error: discord.apiBaseUrl: ", run.Out);
        Assert.Contains(expected, run.Out);
        Assert.DoesNotContain("user:pw", run.Out); // credentials in a URL are not repeated
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
