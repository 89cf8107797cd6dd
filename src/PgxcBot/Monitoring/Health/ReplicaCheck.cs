using Microsoft.Extensions.Diagnostics.HealthChecks;
using PgxcBot.Core.Replicas;
using PgxcBot.Replicas;

namespace PgxcBot.Monitoring.Health;

/// <summary>
/// Health check "replicas" (two replicas on a shared PostgreSQL store only): always healthy, its description
/// is which replica is active, since when, and every replica's last heartbeat (<see cref="LeadershipText"/>).
/// A store that cannot be read is the "store" check's verdict, not this one's.
/// </summary>
public sealed class ReplicaCheck(LeaderElector elector, ILeaderLease lease, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var status = await lease.ReadStatusAsync(elector.IsActive, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy(LeadershipText.Describe(status, time.GetUtcNow()));
        }
        catch (Core.Operations.StoreUnavailableException e)
        {
            return HealthCheckResult.Healthy($"replica {elector.ReplicaId} is {(elector.IsActive ? "active" : "standby")}; the lease cannot be read ({e.Message})");
        }
    }
}
