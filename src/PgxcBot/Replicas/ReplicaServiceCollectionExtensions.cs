using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Replicas;
using PgxcBot.Hosting;
using PgxcBot.Monitoring.Http;
using PgxcBot.Store.Postgres;

namespace PgxcBot.Replicas;

/// <summary>Registration of the shared PostgreSQL store and of the replica's leader election.</summary>
public static class ReplicaServiceCollectionExtensions
{
    /// <summary>
    /// Registers the opened PostgreSQL store behind the store interfaces, the leader lease of this replica in it and
    /// the elector that fences the store's writes, the election loop and the takeover (resume, reconcile). Call
    /// <see cref="RunOnlyWhileActive"/> after every hosted service is registered.
    /// </summary>
    /// <param name="resumeOnTakeover">A serving bot finishes, on each takeover, what the previous active replica was
    /// running (<see cref="OperationService.TakeOverAsync"/>); a one-shot command (status, run) that happens to hold
    /// the lease only reports operations whose runner is gone, since it exits right after its command.</param>
    public static IServiceCollection AddPgxcBotSharedStore(this IServiceCollection services, PostgresStore store, string replicaId, TimeSpan lease,
        bool resumeOnTakeover = true)
    {
        services.AddSingleton(new TakeoverMode(resumeOnTakeover));
        services.AddSingleton(store);
        services.AddSingleton<IPairStateStore>(store);
        services.AddSingleton<IOperationStore>(p => new PostgresOperationStore(store, p.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ITopologyStore>(new PostgresTopologyStore(store));
        services.AddSingleton<IMasterSightingStore>(new PostgresMasterSightingStore(store));
        services.AddSingleton<IOutboxStore>(new PostgresOutboxStore(store));
        services.AddSingleton<IRefusalLog>(new PostgresRefusalLog(store));
        services.AddSingleton<IMaintenanceStore>(new PostgresMaintenanceStore(store));
        services.AddSingleton<IMonitorStateStore>(p => new PostgresMonitorStore(store, p.GetRequiredService<TimeProvider>()));
        services.AddSingleton(new StoreWriteProbe(store.CheckWritableAsync));
        // The timeline's records and the monitor's lag samples (migration 10), and the pictures drawn from them.
        var timeline = new PostgresTimelineStore(store);
        services.AddSingleton<PgxcBot.Core.Timeline.ITimelineStore>(timeline);
        services.AddSingleton<ILagHistoryStore>(timeline);
        services.AddSingleton<PgxcBot.Core.Charts.IChartRenderer, PgxcBot.Charts.ScottPlotChartRenderer>();
        services.AddSingleton<Pictures.ChatPictures>();
        services.AddSingleton<ILeaderLease>(new PostgresLeaderLease(store, replicaId, lease));
        services.AddSingleton(p =>
        {
            var elector = new LeaderElector(p.GetRequiredService<ILeaderLease>(), p.GetRequiredService<TimeProvider>(), p.GetRequiredService<ILogger<LeaderElector>>());
            store.FenceWith(elector);
            return elector;
        });
        services.AddHostedService<LeaderElectionService>();
        services.AddHostedService<TakeoverService>();
        // /healthz on both replicas says which is active; the standby's monitor does not poll, and is not stale.
        services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration("replicas",
            p => new Monitoring.Health.ReplicaCheck(p.GetRequiredService<LeaderElector>(), p.GetRequiredService<ILeaderLease>(), p.GetRequiredService<TimeProvider>()), null, null));
        return services;
    }

    /// <summary>
    /// Wraps every hosted service registered so far, except the election, the takeover and the HTTP endpoint (which
    /// both replicas serve, so /healthz tells which is active), in <see cref="ActiveOnlyHostedService"/>.
    /// </summary>
    public static IServiceCollection RunOnlyWhileActive(this IServiceCollection services)
    {
        var always = new[] { typeof(LeaderElectionService), typeof(TakeoverService), typeof(MonitorHttpService) };
        var hosted = services.Where(d => d.ServiceType == typeof(IHostedService) && !always.Contains(d.ImplementationType)).ToList();
        foreach (var descriptor in hosted)
        {
            services.Remove(descriptor);
            services.AddSingleton<IHostedService>(p => new ActiveOnlyHostedService(Create(p, descriptor), p.GetRequiredService<LeaderElector>(),
                p.GetRequiredService<ILogger<ActiveOnlyHostedService>>()));
        }
        return services;
    }

    private static IHostedService Create(IServiceProvider provider, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance as IHostedService
        ?? (IHostedService?)descriptor.ImplementationFactory?.Invoke(provider)
        ?? (IHostedService)ActivatorUtilities.CreateInstance(provider, descriptor.ImplementationType!);
}
