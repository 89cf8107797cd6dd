using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Runbooks;

namespace PgxcBot.Postgres;

/// <summary>Registration of the PostgreSQL adapter (the datanodes, coordinators and their catalogs over SQL).</summary>
public static class PostgresServiceCollectionExtensions
{
    /// <summary>
    /// Registers what the bot asks PostgreSQL through: the SQL observer (<see cref="NpgsqlClusterObserver"/>, which the
    /// host composes with the shell and the GTM), the runbook steps' <see cref="ISqlExecutor"/> and the monitor's fast
    /// commit watch (<see cref="ICommitWatchSource"/>). Needs logging, <see cref="TimeProvider"/>, an
    /// <see cref="Core.Topology.ISecretResolver"/> and the <see cref="Core.Topology.ClusterTopology"/> registered.
    /// </summary>
    public static IServiceCollection AddPgxcBotPostgres(this IServiceCollection services)
    {
        services.AddSingleton<NpgsqlClusterObserver>();
        services.AddSingleton<ISqlExecutor, NpgsqlSqlExecutor>();
        services.AddSingleton<ICommitWatchSource, NpgsqlCommitWatch>();
        return services;
    }
}
