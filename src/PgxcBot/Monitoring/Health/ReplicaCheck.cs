using Microsoft.Extensions.Diagnostics.HealthChecks;
using PgxcBot.Core.Replicas;

namespace PgxcBot.Monitoring.Health;

/// <summary>
/// Health check "replicas" (two replicas on a shared PostgreSQL store only): always healthy, its description
/// is which replica is active, since when, and every replica's last heartbeat (<see cref="LeadershipText"/>).
/// A store that cannot be read is the "store" check's verdict, not this one's.
/// </summary>
public sealed class ReplicaCheck(IReplicaRole role, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        HealthCheckResult.Healthy(await role.DescribeAsync(time, cancellationToken).ConfigureAwait(false));
}
