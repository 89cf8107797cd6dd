using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Observation;
using PgxcBot.Store;
using PgxcBot.Monitoring.Http;
using Microsoft.Extensions.Logging;

namespace PgxcBot.Monitoring;

public static class MonitorServiceCollectionExtensions
{
    /// <summary>
    /// Registers the monitor: the hosted polling service, its metrics, its stored incidents (the
    /// SQLite store registered by AddPgxcBotStore), and the operation service it acts through. Needs
    /// AddPgxcBotCore and AddPgxcBotStore. Alerts go to the outbox targets registered with alerts
    /// (<see cref="Core.Outbox.OutboxRoute"/>); without any, to the log. With <c>monitor.httpListen</c>, also /metrics and /healthz.
    /// </summary>
    public static IServiceCollection AddPgxcBotMonitor(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<IMonitorStateStore>(provider =>
            new SqliteMonitorStore(provider.GetRequiredService<SqliteStore>(), provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(provider =>
            new SharedSnapshotObserver(provider.GetRequiredService<IClusterObserver>(), provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<MaintenanceGate>();
        services.TryAddSingleton<MonitorOperations>();
        services.TryAddSingleton<MonitorMetrics>();
        services.TryAddSingleton<SshWatch>();
        services.TryAddSingleton<MonitorService>();
        services.AddHostedService(provider => provider.GetRequiredService<MonitorService>());
        services.TryAddSingleton(provider =>
        {
            var storeCheck = provider.GetService<Hosting.StoreWritableCheck>()?.Check ?? provider.GetRequiredService<SqliteStore>().CheckWritableAsync;
            return new MonitorHttpEndpoint(provider.GetRequiredService<MonitorMetrics>(), provider.GetRequiredService<MonitorService>(),
                storeCheck, provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<MonitorHttpEndpoint>>(),
                provider.GetService<Replicas.LeaderElector>() is { } elector
                    ? ct => provider.GetRequiredService<Core.Replicas.ILeaderLease>().ReadStatusAsync(elector.IsActive, ct)
                    : null);
        });
        services.AddHostedService<MonitorHttpService>();
        return services;
    }
}
