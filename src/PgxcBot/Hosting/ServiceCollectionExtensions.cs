using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
using PgxcBot.Gtm;
using PgxcBot.Postgres;
using PgxcBot.Secrets;
using PgxcBot.Ssh;
using PgxcBot.Store;

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

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ISecretResolver, SecretResolver>();
        services.AddSingleton<NpgsqlClusterObserver>();
        // SQL first; the shell adds what SQL cannot say on XC/XL (a stock XL standby, 9.3's waiting commits).
        services.AddPgxcBotGtm();
        services.AddSingleton<IClusterObserver>(provider => new CompositeClusterObserver(
            provider.GetRequiredService<NpgsqlClusterObserver>(), provider.GetRequiredService<IRemoteShell>(), provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<PgxcBot.Core.Gtm.IGtmClient>()));
        services.AddSingleton<IClusterStatusSource, ObservedClusterStatus>();
        services.AddSingleton<ChatCommandHandler>();
        services.AddSingleton<PgxcBot.Core.Commands.IChatCommandHandler>(provider => provider.GetRequiredService<ChatCommandHandler>());

        // Operations: the runbook engine over SSH (or the local transport) and SQL.
        services.AddSingleton<ISqlExecutor, NpgsqlSqlExecutor>();
        // The whole SSH connect (TCP, handshake, login) within the configured connect timeout, as for PostgreSQL.
        services.AddSingleton(provider => new SshRemoteShell(provider.GetRequiredService<ISecretResolver>(),
            provider.GetRequiredService<ClusterTopology>().Monitor.ConnectTimeout, provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<SshRemoteShell>>()));
        services.AddSingleton<LocalShell>();
        services.AddSingleton<IRemoteShell, TransportRouter>();
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
        services.TryAddSingleton<IOperationObserver>(NoOperationObserver.Instance);
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

    /// <summary>
    /// Registers the opened SQLite store behind the narrow store interfaces (pair states, operations,
    /// stored roles, the chat outbox). Opened before the host is built, because opening applies migrations asynchronously.
    /// </summary>
    public static IServiceCollection AddPgxcBotStore(this IServiceCollection services, SqliteStore store)
    {
        services.AddSingleton(store);
        services.AddSingleton<IPairStateStore>(store);
        services.AddSingleton<IOperationStore>(provider => new SqliteOperationStore(store, provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ITopologyStore>(new SqliteTopologyStore(store));
        services.AddSingleton<IMasterSightingStore>(new SqliteMasterSightingStore(store));
        services.AddSingleton<IOutboxStore>(new SqliteOutboxStore(store));
        services.AddSingleton<IRefusalLog>(new SqliteRefusalLog(store));
        services.AddSingleton<PgxcBot.Core.Monitoring.IMaintenanceStore>(new SqliteMaintenanceStore(store));
        services.AddSingleton(new StoreWriteProbe(store.CheckWritableAsync));
        // The timeline's records and the monitor's lag samples (migration 10), and the pictures drawn from them.
        var timeline = new SqliteTimelineStore(store);
        services.AddSingleton<PgxcBot.Core.Timeline.ITimelineStore>(timeline);
        services.AddSingleton<PgxcBot.Core.Monitoring.ILagHistoryStore>(timeline);
        services.AddSingleton<PgxcBot.Core.Charts.IChartRenderer, PgxcBot.Charts.ScottPlotChartRenderer>();
        services.AddSingleton<PgxcBot.Pictures.ChatPictures>();
        return services;
    }
}
