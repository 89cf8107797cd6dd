using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Discord.Rest;
using PgxcBot.Tests.Discord;

namespace PgxcBot.Tests.Support;

/// <summary>
/// What the tests of the CLI's Discord commands (<c>serve</c>, <c>register-commands</c>) run the host against: the
/// fake Discord, and a temporary directory with a runnable config (<see cref="Config"/>) whose discord section the
/// fake accepts (its token in a file). Disposing it stops the fake and removes the directory.
/// </summary>
/// <param name="config">The config file's path.</param>
internal sealed class ConfiguredFakeDiscord(TempConfigDirectory directory, FakeDiscord fake, string config) : IAsyncDisposable
{
    public TempConfigDirectory Directory => directory;
    public FakeDiscord Fake => fake;
    public string Config => config;

    public static async Task<ConfiguredFakeDiscord> StartAsync(bool registerCommandsAtStart = false)
    {
        var directory = new TempConfigDirectory();
        try
        {
            var fake = await FakeDiscord.StartAsync();
            return new ConfiguredFakeDiscord(directory, fake, WriteConfig(directory, fake, registerCommandsAtStart));
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>The minimal config with a discord section whose token (in a file) the fake accepts.</summary>
    private static string WriteConfig(TempConfigDirectory directory, FakeDiscord fake, bool registerCommandsAtStart)
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

    /// <summary>The host overrides that send the bot's REST calls and gateway to the fake (gateway timings made fast).</summary>
    public void PointBotAtFake(IServiceCollection services)
    {
        services.AddSingleton(new DiscordRestOptions { ApiBase = Fake.ApiBase });
        services.AddSingleton(DiscordHarness.FastGateway());
    }

    /// <summary><c>pgxcbot serve --config <paramref name="config"/></c> on a thread of its own, wired by the host as in
    /// production but pointed at the fake, with the test's own overrides (<paramref name="more"/>) after that; what it
    /// prints goes to <paramref name="output"/> and <paramref name="error"/>. Completes with the exit code.</summary>
    public Task<int> ServeAsync(string config, TextWriter output, TextWriter error, Action<IServiceCollection> more, CancellationToken stop) =>
        Task.Run(() => CliApp.RunAsync(["serve", "--config", config],
            new CliIo(new StringReader(""), TextWriter.Synchronized(output), TextWriter.Synchronized(error), true)
            {
                Variables = name => CliRun.TestVariables.GetValueOrDefault(name),
            }, services =>
            {
                PointBotAtFake(services);
                more(services);
            }, stop));

    public async ValueTask DisposeAsync()
    {
        await Fake.DisposeAsync();
        Directory.Dispose();
    }
}
