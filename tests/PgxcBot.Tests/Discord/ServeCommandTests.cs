using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Discord.Rest;
using PgxcBot.Tests.Hosting;
using PgxcBot.Tests.Secrets;

namespace PgxcBot.Tests.Discord;

/// <summary>The CLI commands of the adapter, wired by the host as in production, against the fake Discord.</summary>
public sealed class ServeCommandTests : IAsyncLifetime
{
    private ConfiguredFakeDiscord _discord = null!;

    public async Task InitializeAsync() => _discord = await ConfiguredFakeDiscord.StartAsync();

    public async Task DisposeAsync() => await _discord.DisposeAsync();

    private Action<IServiceCollection> AtTheFake => _discord.PointBotAtFake;

    [Fact]
    public async Task Register_commands_overwrites_the_guild_commands_with_pgxc()
    {
        var run = await CliRun.RunAsync(["register-commands", "--config", _discord.Config], overrides: AtTheFake);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Registered /pgxc with", run.Out);
        var put = Assert.Single(_discord.Fake.Requests, r => r.Method == "PUT");
        Assert.Equal($"applications/{InteractionInjector.ApplicationId}/guilds/{InteractionInjector.GuildId}/commands", put.Path);
        Assert.Equal("pgxc", put.Body![0]!["name"]!.GetValue<string>());
        Assert.DoesNotContain(_discord.Fake.Token, run.Out + run.Error);
    }

    [Fact]
    public async Task Discord_api_base_url_from_the_config_is_where_the_rest_client_goes()
    {
        var config = JsonNode.Parse(await File.ReadAllTextAsync(_discord.Config))!.AsObject();
        config["discord"]!["apiBaseUrl"] = _discord.Fake.ApiBase.AbsoluteUri; // http to loopback: allowed
        var file = _discord.Directory.Write("with-base.json", config.ToJsonString());

        var run = await CliRun.RunAsync(["register-commands", "--config", file]); // no DiscordRestOptions override

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        Assert.Single(_discord.Fake.Requests, r => r.Method == "PUT");
    }

    [Theory]
    [InlineData("http://discord-proxy.example.com/api/v10/", "http is allowed only to this machine")]
    [InlineData("https://user:pw@discord.com/api/v10/", "without user name")]
    public async Task Discord_api_base_url_must_be_https_or_loopback(string url, string expected)
    {
        var config = JsonNode.Parse(await File.ReadAllTextAsync(_discord.Config))!.AsObject();
        config["discord"]!["apiBaseUrl"] = url;
        var run = await CliRun.RunAsync(["check-config", "--config", _discord.Directory.Write("bad-base.json", config.ToJsonString())]);
        Assert.Equal(ExitCodes.BadConfig, run.ExitCode);
        Assert.Contains("error: discord.apiBaseUrl: ", run.Out);
        Assert.Contains(expected, run.Out);
        Assert.DoesNotContain("user:pw", run.Out); // credentials in a URL are not repeated
    }

    [Fact]
    public async Task Serve_stops_with_a_clear_error_when_the_gateway_rejects_the_token()
    {
        _discord.Fake.Gateway.CloseAfterHelloWith = 4004;

        var run = await CliRun.RunAsync(["serve", "--config", _discord.Config], overrides: AtTheFake);

        Assert.Equal(ExitCodes.ChatRefused, run.ExitCode);
        Assert.Contains("4004 authentication failed", run.Error);
        Assert.Equal(1, _discord.Fake.Gateway.Connections);
        Assert.DoesNotContain(_discord.Fake.Token, run.Out + run.Error);
    }
}
