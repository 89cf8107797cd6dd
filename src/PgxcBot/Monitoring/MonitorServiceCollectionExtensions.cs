using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;
using PgxcBot.Monitoring.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using PgxcBot.Monitoring.Health;
using PgxcBot.Telemetry;

namespace PgxcBot.Monitoring;

public static class MonitorServiceCollectionExtensions
{
    /// <summary>
    /// Registers the monitor: the hosted polling service, its metrics, and the operation service it acts through.
    /// Needs AddPgxcBotCore and a store with its incidents (<see cref="IMonitorStateStore"/>; the composition root,
    /// <see cref="Hosting.BotComposition"/>, registers them). Alerts go to the outbox targets registered with alerts
    /// (<see cref="Core.Outbox.OutboxRoute"/>); without any, to the log. Also the health checks and OpenTelemetry (<see cref="TelemetryServiceCollectionExtensions.AddPgxcBotTelemetry"/>);
    /// with <c>monitor.httpListen</c>, /metrics and /healthz serve them.
    /// </summary>
    public static IServiceCollection AddPgxcBotMonitor(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton(provider =>
            new SharedSnapshotObserver(provider.GetRequiredService<IClusterObserver>(), provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<MaintenanceGate>();
        services.TryAddSingleton<MonitorOperations>();
        services.TryAddSingleton<MonitorMetrics>();
        services.TryAddSingleton<SshWatch>();
        services.TryAddSingleton<MonitorService>();
        services.AddHostedService(provider => provider.GetRequiredService<MonitorService>());
        services.TryAddSingleton<IMonitorHealthSource>(provider => provider.GetRequiredService<MonitorService>());
        services.AddPgxcBotHealthChecks();
        services.AddPgxcBotTelemetry();
        // The fast path for blocked commits (monitor.commitWatchSeconds): asks the monitor for a poll at once. Its
        // source, the ICommitWatchSource, is the PostgreSQL adapter's (AddPgxcBotPostgres).
        services.AddHostedService<CommitWatchService>();
        // A runbook session kept open on every master for the async switch (RunbookSessions).
        services.AddHostedService<RunbookSessionKeeper>();
        // GET /status: what `pgxcbot status` prints, observed by this process (the CLI asks it first: RunningBotStatus).
        services.TryAddSingleton<HttpStatusReport>();
        services.TryAddSingleton(provider => new MonitorHttpEndpoint(provider.GetRequiredService<MeterProvider>(),
            provider.GetRequiredService<HealthCheckService>(), provider.GetRequiredService<ILogger<MonitorHttpEndpoint>>(),
            provider.GetRequiredService<HttpStatusReport>()));
        services.AddHostedService<MonitorHttpService>();
        return services;
    }
}
