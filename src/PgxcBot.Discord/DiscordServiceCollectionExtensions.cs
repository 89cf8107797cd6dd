using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Commands;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Topology;
using PgxcBot.Discord.Gateway;
using PgxcBot.Discord.Http;
using PgxcBot.Discord.Interactions;
using PgxcBot.Discord.Notifications;
using PgxcBot.Discord.Rest;

namespace PgxcBot.Discord;

public static class DiscordServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Discord adapter: REST client and API, the interaction dispatcher (over the registered
    /// <see cref="IChatCommandHandler"/>), gateway client, HTTP endpoint, command registrar and the alert
    /// notifier (<see cref="INotifier"/>, when the config has a discord section). With
    /// <paramref name="runAdapter"/> the adapter also runs as a hosted service (gateway or http mode as configured).
    /// Timings and base URLs are singletons that tests replace (<see cref="DiscordRestOptions"/>,
    /// <see cref="GatewayOptions"/>, <see cref="InteractionTimings"/>).
    /// </summary>
    public static IServiceCollection AddPgxcBotDiscord(this IServiceCollection services, bool runAdapter = true)
    {
        services.TryAddSingleton(TimeProvider.System);
        // discord.apiBaseUrl (validated: https, or http to loopback only); the default is Discord's v10 API.
        services.TryAddSingleton(p => new DiscordRestOptions
        {
            ApiBase = p.GetRequiredService<ClusterTopology>().Discord?.ApiBaseUrl ?? DiscordSettings.DefaultApiBaseUrl,
        });
        services.TryAddSingleton(new GatewayOptions());
        services.TryAddSingleton(new InteractionTimings());
        services.AddSingleton<DiscordAdapterStatus>();
        services.AddSingleton(p => p.GetRequiredService<ClusterTopology>().Discord
            ?? throw new InvalidOperationException("the configuration has no discord section; add one (see src/PgxcBot.Discord/README.md)"));
        services.AddSingleton(p =>
        {
            var settings = p.GetRequiredService<DiscordSettings>();
            var secrets = p.GetRequiredService<ISecretResolver>();
            var token = new Lazy<string>(() => secrets.Resolve(settings.Token)!.Trim());
            var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = TimeSpan.FromSeconds(30) };
            return new DiscordRestClient(http, p.GetRequiredService<DiscordRestOptions>(), () => token.Value,
                p.GetRequiredService<TimeProvider>(), p.GetRequiredService<ILogger<DiscordRestClient>>());
        });
        services.AddSingleton<DiscordApi>();
        services.AddSingleton<DiscordCommandRegistrar>();
        services.AddSingleton(p => new InteractionDispatcher(
            p.GetRequiredService<IChatCommandHandler>(), p.GetRequiredService<DiscordApi>(),
            p.GetRequiredService<ClusterTopology>().Datanodes.Select(d => d.Name).ToArray(),
            p.GetRequiredService<InteractionTimings>(), p.GetRequiredService<TimeProvider>(), p.GetRequiredService<ILogger<InteractionDispatcher>>()));
        services.AddSingleton(p =>
        {
            var settings = p.GetRequiredService<DiscordSettings>();
            var secrets = p.GetRequiredService<ISecretResolver>();
            var dispatcher = p.GetRequiredService<InteractionDispatcher>();
            var stopping = p.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            return new GatewayClient(p.GetRequiredService<DiscordApi>(), () => secrets.Resolve(settings.Token)!.Trim(),
                interaction => dispatcher.Start(interaction, stopping),
                p.GetRequiredService<GatewayOptions>(), p.GetRequiredService<TimeProvider>(), p.GetRequiredService<ILogger<GatewayClient>>());
        });
        services.AddTransient(p =>
        {
            var settings = p.GetRequiredService<DiscordSettings>();
            var hex = settings.PublicKeyHex ?? p.GetRequiredService<ISecretResolver>().Resolve(settings.PublicKeyFrom)
                ?? throw new FormatException("discord.publicKey is missing; http mode needs the application's Public Key.");
            return new InteractionsEndpoint(new SignatureVerifier(hex), p.GetRequiredService<InteractionDispatcher>(), settings.TimestampWindow,
                p.GetRequiredService<TimeProvider>(), p.GetRequiredService<ILogger<InteractionsEndpoint>>());
        });
        services.AddSingleton<DiscordNotifier>();
        services.AddSingleton<INotifier>(p => p.GetRequiredService<ClusterTopology>().Discord is null
            ? new LoggingNotifier(p.GetRequiredService<ILogger<LoggingNotifier>>())
            : p.GetRequiredService<DiscordNotifier>());
        if (runAdapter)
        {
            services.AddSingleton<DiscordAdapterService>();
            services.AddHostedService(p => p.GetRequiredService<DiscordAdapterService>());
        }
        return services;
    }
}
