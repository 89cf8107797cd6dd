using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PgxcBot.Chat;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Runbooks;
using PgxcBot.Core.Topology;
using PgxcBot.Postgres;

namespace PgxcBot.Hosting;

/// <summary>Registration of the bot's core (no adapter); see <see cref="BotComposition"/> for the whole bot.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers the bot's core services: the options as loaded from the config file (validated when the
    /// host starts), the <see cref="ClusterTopology"/> built from them, time, the cluster observer composed of
    /// the adapters' (SQL, shell, GTM), status, chat command handling and the operation engine. No adapter:
    /// <see cref="BotComposition.AddPgxcBot"/> adds those, and the store and the secrets.
    /// </summary>
    /// <param name="loaded">What <see cref="ConfigLoader"/> read.</param>
    /// <param name="baseDirectory">The config file's directory; relative store paths resolve against it.</param>
    /// <param name="topology">A topology built in code (a lab's), used instead of the one validated from <paramref name="loaded"/>.</param>
    public static IServiceCollection AddPgxcBotCore(this IServiceCollection services, PgxcBotOptions loaded, string? baseDirectory,
        ClusterTopology? topology = null)
    {
        if (topology is not null)
        {
            // Built and checked in code (a lab's): there is no config file to validate.
            services.AddSingleton(topology);
        }
        else
        {
            services.AddOptions<PgxcBotOptions>()
                .Configure(options =>
                {
                    // Every section, including ones added later (approvals, monitor, discord, ...): a section left
                    // out here would silently fall back to its defaults.
                    foreach (var property in typeof(PgxcBotOptions).GetProperties().Where(p => p.CanWrite))
                        property.SetValue(options, property.GetValue(loaded));
                })
                .ValidateOnStart();
            services.AddSingleton<IValidateOptions<PgxcBotOptions>>(new PgxcBotOptionsValidator(baseDirectory));
            services.AddSingleton(provider =>
                ConfigValidator.Validate(provider.GetRequiredService<IOptions<PgxcBotOptions>>().Value, baseDirectory).Topology
                ?? throw new InvalidOperationException("configuration has errors; run check-config"));
        }

        services.AddSingleton(TimeProvider.System);
        // SQL first; the shell adds what SQL cannot say on XC/XL (a stock XL standby, 9.3's waiting commits).
        services.AddSingleton<IClusterObserver>(provider => new CompositeClusterObserver(
            provider.GetRequiredService<NpgsqlClusterObserver>(), provider.GetRequiredService<IRemoteShell>(), provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<PgxcBot.Core.Gtm.IGtmClient>()));
        services.AddSingleton<IClusterStatusSource, ObservedClusterStatus>();
        services.AddSingleton<ChatCommandHandler>();
        services.AddSingleton<PgxcBot.Core.Commands.IChatCommandHandler>(provider => provider.GetRequiredService<ChatCommandHandler>());

        // Operations: the runbook engine over the shell (SSH or the local transport) and SQL.
        services.AddSingleton(provider => new StepExecutor(provider.GetRequiredService<IRemoteShell>(), provider.GetRequiredService<ISqlExecutor>(),
            provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<PgxcBot.Core.Gtm.IGtmClient>()));
        services.AddSingleton(provider => new TopologyState(provider.GetRequiredService<ClusterTopology>(),
            provider.GetRequiredService<ITopologyStore>(), provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<PairStateTracker>();
        services.AddSingleton<AssessmentMemory>();
        services.AddSingleton(provider => new MasterSightings(provider.GetService<IMasterSightingStore>()));
        services.AddSingleton(provider => new SyncEvidenceSource(provider.GetRequiredService<AssessmentMemory>(), provider.GetService<IMasterSightingStore>()));
        services.AddSingleton(provider => provider.GetRequiredService<ClusterTopology>().Approvals);
        services.AddSingleton<IPairOperationSink, PairOperationSink>();
        services.AddSingleton<PgxcBot.Core.Advice.AdviceSource>();
        // A bot restarted on this host finds its predecessor's run interrupted at once, without waiting for the lease.
        services.AddSingleton(_ => new OperationRuns(processAlive: ProcessLiveness.IsAlive));
        // Chat is told through the outbox; the engine's own hooks stay empty in production.
        services.AddSingleton<IOperationObserver>(NoOperationObserver.Instance);
        services.AddSingleton(provider => new OutboxRoutes(provider.GetServices<OutboxRoute>()));
        services.AddSingleton(provider => new OutboxAnnouncer(provider.GetRequiredService<OutboxRoutes>(), provider.GetRequiredService<TimeProvider>()));
        // With Discord configured, every process keeps an operation's Discord message current (a CLI approval
        // included): the Discord sender of `pgxcbot serve` delivers what they write.
        services.AddSingleton(provider => provider.GetRequiredService<ClusterTopology>().Discord is null
            ? new OutboxRoute("discord", ProgressStyle.None, Alerts: false)
            : new OutboxRoute("discord", ProgressStyle.Message, Alerts: false));
        services.AddSingleton<OperationService>();
        services.AddSingleton<StartupReconciler>();
        return services;
    }
}
