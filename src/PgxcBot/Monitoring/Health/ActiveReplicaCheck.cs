using Microsoft.Extensions.Diagnostics.HealthChecks;
using PgxcBot.Core.Replicas;

namespace PgxcBot.Monitoring.Health;

/// <summary>
/// <c>GET /healthz/active</c>: 200 on the replica that holds the leader lease now, 503 on a standby, so a load balancer
/// in front of two replicas' Discord interactions endpoints sends them to the active one first (the standby answers
/// only what reads and refuses actions). Without a shared store the one process is always active.
/// </summary>
public sealed class ActiveReplicaCheck(IReplicaRole? role) : IHealthCheck
{
    /// <summary>The tag that puts a check behind /healthz/active and keeps it out of /healthz (where a standby is healthy).</summary>
    public const string Tag = "active";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(role is null ? HealthCheckResult.Healthy("active: the only replica (embedded store)")
            : role.IsActive ? HealthCheckResult.Healthy($"active: replica {role.ReplicaId} holds the leader lease")
            : HealthCheckResult.Unhealthy($"standby: replica {role.ReplicaId} does not hold the leader lease; it answers what only reads and refuses actions"));
}
