using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Commands;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Topology;
using PgxcBot.Discord.Gateway;
using PgxcBot.Discord.Http;
using PgxcBot.Discord.Interactions;
using PgxcBot.Discord.Outbox;
using PgxcBot.Discord.Rest;

namespace PgxcBot.Discord;

public static class DiscordServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Discord adapter: REST client and API, the interaction dispatcher (over the registered
    /// <see cref="IChatCommandHandler"/>), gateway client, HTTP endpoint, command registrar. With
    /// <paramref name="runAdapter"/> the adapter also runs as a hosted service (gateway or http mode as configured)
    /// and is this process's chat: the outbox channel <c>discord</c> when the config has a discord section, otherwise
    /// <c>log</c>. Whether alerts go there is the host's decision (its composition root registers the route). Timings and base URLs are
    /// singletons that tests replace (<see cref="DiscordRestOptions"/>, <see cref="GatewayOptions"/>,
    /// <see cref="InteractionTimings"/>, <see cref="DiscordOutboxOptions"/>, <see cref="DiscordAdapterOptions"/>).
    /// The host runs the outbox senders.
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
        services.TryAddSingleton(new DiscordOutboxOptions());
        services.TryAddSingleton(new DiscordAdapterOptions());
        services.TryAddSingleton<DiscordAdapterStatus>();
        services.TryAddSingleton<InteractionResponses>();
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
            p.GetRequiredService<InteractionTimings>(), p.GetRequiredService<TimeProvider>(), p.GetRequiredService<ILogger<InteractionDispatcher>>(),
            p.GetRequiredService<InteractionResponses>(), p.GetService<PgxcBot.Core.Replicas.IReplicaRole>()));
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
        services.AddSingleton<DiscordOutboxChannel>();
        if (runAdapter)
        {
            // Without a discord section, alerts still reach the log rather than nowhere.
            services.AddSingleton<IOutboxChannel>(p => p.GetRequiredService<ClusterTopology>().Discord is null
                ? new LogOutboxChannel(p.GetRequiredService<ILogger<LogOutboxChannel>>())
                : p.GetRequiredService<DiscordOutboxChannel>());
            services.AddSingleton<DiscordAdapterService>();
            services.AddHostedService(p => p.GetRequiredService<DiscordAdapterService>());
        }
        return services;
    }
}
