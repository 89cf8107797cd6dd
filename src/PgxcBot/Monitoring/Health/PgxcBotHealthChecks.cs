using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PgxcBot.Core.Topology;
using PgxcBot.Discord;
using PgxcBot.Store;

namespace PgxcBot.Monitoring.Health;

/// <summary>The health checks behind <c>GET /healthz</c> (see <see cref="HealthLine"/> for the answer's shape).</summary>
public static class PgxcBotHealthChecks
{
    /// <summary>
    /// Registers the health checks behind <c>/healthz</c>, in the order the line lists them: monitor (poll
    /// freshness, needs an <see cref="IMonitorHealthSource"/>), store (the <see cref="SqliteStore"/> can be
    /// written), ssh (hosts lost: degraded), discord (the adapter failed for good); and, for <c>/healthz/active</c> only,
    /// active (<see cref="ActiveReplicaCheck"/>). Needs TimeProvider and
    /// <see cref="ClusterTopology"/>; ssh and discord are skipped as "not configured" when their services are absent.
    /// </summary>
    public static IHealthChecksBuilder AddPgxcBotHealthChecks(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddHealthChecks()
            .Add(new HealthCheckRegistration("monitor",
                sp => new MonitorFreshnessCheck(sp.GetRequiredService<IMonitorHealthSource>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<Replicas.LeaderElector>()), null, null))
            .Add(new HealthCheckRegistration("store", sp => new StoreWritableCheck(sp.GetService<Hosting.StoreWriteProbe>()?.Check ?? sp.GetRequiredService<SqliteStore>().CheckWritableAsync), null, null))
            .Add(new HealthCheckRegistration("ssh", sp => sp.GetService<SshWatch>() is { } watch
                ? new SshAdapterCheck(watch, sp.GetRequiredService<ClusterTopology>())
                : new FixedCheck(HealthCheckResult.Healthy("ssh: not watched")), null, null))
            .Add(new HealthCheckRegistration("discord",
                sp => new DiscordAdapterCheck(sp.GetService<DiscordAdapterStatus>(), sp.GetRequiredService<ClusterTopology>()), null, null))
            // Only behind /healthz/active: whether this replica is the active one (a load balancer's choice of replica).
            .Add(new HealthCheckRegistration("active", sp => new ActiveReplicaCheck(sp.GetService<Core.Replicas.IReplicaRole>()), null, [ActiveReplicaCheck.Tag]));
    }

    private sealed class FixedCheck(HealthCheckResult result) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) => Task.FromResult(result);
    }
}
