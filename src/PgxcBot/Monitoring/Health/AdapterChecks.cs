using Microsoft.Extensions.Diagnostics.HealthChecks;
using PgxcBot.Core.Topology;
using PgxcBot.Discord;

namespace PgxcBot.Monitoring.Health;

/// <summary>
/// Health check "ssh": degraded (still 200) while hosts with transport ssh are lost (two failed checks in a
/// row, as the ssh-lost alert): runbooks cannot run there, but the bot itself works. Healthy otherwise.
/// </summary>
public sealed class SshAdapterCheck(SshWatch watch, ClusterTopology topology) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var ssh = topology.Hosts.Count(h => h.Transport == TransportKind.Ssh);
        if (ssh == 0) return Task.FromResult(HealthCheckResult.Healthy("ssh: no host uses it"));
        var lost = watch.Candidates(topology).Select(c => c.Subject.StartsWith("host/", StringComparison.Ordinal) ? c.Subject[5..] : c.Subject).ToList();
        return Task.FromResult(lost.Count == 0
            ? HealthCheckResult.Healthy($"ssh: no host lost of {ssh}")
            : HealthCheckResult.Degraded($"ssh lost to {string.Join(", ", lost)} (no runbook can run there, see the alert)"));
    }
}

/// <summary>
/// Health check "discord": unhealthy once the adapter failed for good (a rejected token, a missing
/// permission: the host is stopping and says why). An outage of Discord is not unhealthy: alerts wait in the
/// outbox and are delivered afterwards, and the monitor never waits for chat.
/// </summary>
/// <param name="status">Null when no Discord adapter is registered (the console monitor).</param>
public sealed class DiscordAdapterCheck(DiscordAdapterStatus? status, ClusterTopology topology) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(status is null || topology.Discord is null
            ? HealthCheckResult.Healthy("discord: not configured")
            : status.Failure is { } failure
                ? HealthCheckResult.Unhealthy($"the Discord adapter stopped: {failure}")
                : HealthCheckResult.Healthy("discord: running"));
}
