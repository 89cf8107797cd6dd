using PgxcBot.Hosting;
using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Discord;
using PgxcBot.Discord.Rest;

namespace PgxcBot.Cli;

/// <summary><c>pgxcbot serve</c> (the bot, until stopped) and <c>pgxcbot register-commands</c> (Discord's /pgxc).</summary>
internal static class ServeCommands
{
    /// <summary>Runs the host until Ctrl+C or SIGTERM, with the Discord adapter when the config has a discord section.</summary>
    public static Task<int> ServeAsync(CliArguments arguments, CliIo io, Action<IServiceCollection>? overrides, CancellationToken cancellationToken) =>
        CliHost.RunAsync(BotCommand.Serve, arguments, io, overrides, async (provider, ct) =>
        {
            await io.Error.WriteLineAsync("pgxcbot serving (monitor running); Ctrl+C stops.");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            if (provider.GetRequiredService<DiscordAdapterStatus>().Failure is { } failure)
            {
                await io.Error.WriteLineAsync($"error: {failure}");
                return ExitCodes.ChatRefused;
            }
            return ExitCodes.Ok;
        }, cancellationToken);

    /// <summary>Overwrites the guild's application commands with /pgxc as generated from the command catalogue.</summary>
    public static Task<int> RegisterCommandsAsync(CliArguments arguments, CliIo io, Action<IServiceCollection>? overrides, CancellationToken cancellationToken) =>
        CliHost.RunAsync(BotCommand.RegisterCommands, arguments, io, overrides, async (provider, ct) =>
        {
            if (provider.GetRequiredService<Core.Topology.ClusterTopology>().Discord is not { } settings)
            {
                await io.Error.WriteLineAsync("error: the configuration has no discord section; add one (see src/PgxcBot.Discord/README.md).");
                return ExitCodes.BadConfig;
            }
            try
            {
                var count = await provider.GetRequiredService<DiscordCommandRegistrar>().RegisterAsync(ct);
                await io.Out.WriteLineAsync($"Registered /pgxc with {count} sub-commands in guild {settings.GuildId}.");
                return ExitCodes.Ok;
            }
            catch (DiscordApiException e)
            {
                await io.Error.WriteLineAsync($"error: {e.Message}");
                return ExitCodes.Unexpected;
            }
        }, cancellationToken);
}
