using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Timeline;
using PgxcBot.Store.Postgres;

namespace PgxcBot.Store;

/// <summary>Registration of the bot's store: a SQLite file of one bot, or the PostgreSQL database shared by replicas.</summary>
public static class StoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the opened SQLite store behind the narrow store interfaces: pair states, operations, stored roles,
    /// master sightings, the chat outbox, refusals, maintenance windows, the timeline and the lag history. Opened
    /// before the host is built, because opening applies migrations asynchronously. The monitor's incident store is
    /// registered with the monitor (<c>AddPgxcBotMonitor</c>): a command without the monitor does not read incidents.
    /// Needs a <see cref="TimeProvider"/> registered.
    /// </summary>
    public static IServiceCollection AddPgxcBotSqliteStore(this IServiceCollection services, SqliteStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        services.AddSingleton(store);
        services.AddSingleton<IPairStateStore>(store);
        services.AddSingleton<IOperationStore>(provider => new SqliteOperationStore(store, provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ITopologyStore>(new SqliteTopologyStore(store));
        services.AddSingleton<IMasterSightingStore>(new SqliteMasterSightingStore(store));
        services.AddSingleton<IOutboxStore>(new SqliteOutboxStore(store));
        services.AddSingleton<IRefusalLog>(new SqliteRefusalLog(store));
        services.AddSingleton<IMaintenanceStore>(new SqliteMaintenanceStore(store));
        // The timeline's records and the monitor's lag samples (migration 10).
        var timeline = new SqliteTimelineStore(store);
        services.AddSingleton<ITimelineStore>(timeline);
        services.AddSingleton<ILagHistoryStore>(timeline);
        return services;
    }

    /// <summary>
    /// Registers the opened shared PostgreSQL store behind the same interfaces as <see cref="AddPgxcBotSqliteStore"/>,
    /// the monitor's incidents included (every replica reads them). The leader lease and election over it are the
    /// host's (<c>AddPgxcBotSharedStore</c>). Needs a <see cref="TimeProvider"/> registered.
    /// </summary>
    public static IServiceCollection AddPgxcBotPostgresStore(this IServiceCollection services, PostgresStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        services.AddSingleton(store);
        services.AddSingleton<IPairStateStore>(store);
        services.AddSingleton<IOperationStore>(p => new PostgresOperationStore(store, p.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ITopologyStore>(new PostgresTopologyStore(store));
        services.AddSingleton<IMasterSightingStore>(new PostgresMasterSightingStore(store));
        services.AddSingleton<IOutboxStore>(new PostgresOutboxStore(store));
        services.AddSingleton<IRefusalLog>(new PostgresRefusalLog(store));
        services.AddSingleton<IMaintenanceStore>(new PostgresMaintenanceStore(store));
        services.AddSingleton<IMonitorStateStore>(p => new PostgresMonitorStore(store, p.GetRequiredService<TimeProvider>()));
        // The timeline's records and the monitor's lag samples (migration 10).
        var timeline = new PostgresTimelineStore(store);
        services.AddSingleton<ITimelineStore>(timeline);
        services.AddSingleton<ILagHistoryStore>(timeline);
        return services;
    }
}
