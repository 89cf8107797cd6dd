using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PgxcBot.Chat;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;
using PgxcBot.Secrets;

namespace PgxcBot.Hosting;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers the bot's core services: the options as loaded from the config file (validated when the
    /// host starts), the <see cref="ClusterTopology"/> built from them, time, secrets, the cluster observer,
    /// status and chat command handling.
    /// </summary>
    /// <param name="loaded">What <see cref="ConfigLoader"/> read.</param>
    /// <param name="baseDirectory">The config file's directory; relative store paths resolve against it.</param>
    public static IServiceCollection AddPgxcBotCore(this IServiceCollection services, PgxcBotOptions loaded, string? baseDirectory)
    {
        services.AddOptions<PgxcBotOptions>()
            .Configure(options =>
            {
                options.Flavor = loaded.Flavor;
                options.Hosts = loaded.Hosts;
                options.Datanodes = loaded.Datanodes;
                options.Coordinators = loaded.Coordinators;
                options.Database = loaded.Database;
                options.Monitor = loaded.Monitor;
                options.Store = loaded.Store;
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PgxcBotOptions>>(new PgxcBotOptionsValidator(baseDirectory));
        services.AddSingleton(provider =>
            ConfigValidator.Validate(provider.GetRequiredService<IOptions<PgxcBotOptions>>().Value, baseDirectory).Topology
            ?? throw new InvalidOperationException("configuration has errors; run check-config"));

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ISecretResolver, SecretResolver>();
        services.AddSingleton<IClusterObserver, PgxcBot.Postgres.NpgsqlClusterObserver>();
        services.AddSingleton<IClusterStatusSource, ObservedClusterStatus>();
        services.AddSingleton<ChatCommandHandler>();
        return services;
    }
}
