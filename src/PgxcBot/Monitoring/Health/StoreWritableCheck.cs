using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PgxcBot.Monitoring.Health;

/// <summary>
/// Health check "store": healthy while the store takes a write lock and its last write did not fail (a full
/// disk stays unhealthy until a probe write proves the file can grow again); the description names the file
/// and the cause.
/// </summary>
/// <param name="check">Null when the store can be written now, else why not (<c>SqliteStore.CheckWritableAsync</c>).</param>
public sealed class StoreWritableCheck(Func<CancellationToken, Task<string?>> check) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await check(cancellationToken).ConfigureAwait(false) is { } problem
            ? HealthCheckResult.Unhealthy(problem + ": incidents and operations cannot be recorded")
            : HealthCheckResult.Healthy("store writable");
}
