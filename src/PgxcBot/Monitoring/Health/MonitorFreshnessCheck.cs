using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PgxcBot.Monitoring.Health;

/// <summary>
/// Health check "monitor": healthy while the last poll finished within <see cref="MaxIntervals"/> poll
/// intervals (by <see cref="TimeProvider"/>); unhealthy before the first poll and when polls stop, because
/// then nobody watches the cluster. A down database server is not unhealthy here: the poll still finishes
/// and the alerts say it.
/// </summary>
/// <param name="elector">Two replicas on a shared store: a standby's monitor does not poll, which is healthy.</param>
public sealed class MonitorFreshnessCheck(IMonitorHealthSource monitor, TimeProvider time, Replicas.LeaderElector? elector = null) : IHealthCheck
{
    /// <summary>Polls older than this many intervals mean the monitor is stuck.</summary>
    public const int MaxIntervals = 3;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (elector is { IsActive: false })
            return Task.FromResult(HealthCheckResult.Healthy("monitor: standby, the active replica polls"));
        if (monitor.LastPollAt is not { } last)
            return Task.FromResult(HealthCheckResult.Unhealthy("no poll has finished yet: the monitor is starting, or its first poll fails (see the bot's log)"));
        var age = time.GetUtcNow() - last;
        var interval = monitor.Interval;
        return Task.FromResult(age > interval * MaxIntervals
            ? HealthCheckResult.Unhealthy($"the last poll finished {Seconds(age)} s ago, more than {MaxIntervals} intervals of {Seconds(interval)} s: the monitor is stuck or its polls fail (see the bot's log)")
            : HealthCheckResult.Healthy($"last poll {Seconds(age)} s ago"));
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
}
