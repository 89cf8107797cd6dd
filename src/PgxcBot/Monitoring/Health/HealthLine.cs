using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PgxcBot.Monitoring.Health;

/// <summary>
/// The body of <c>GET /healthz</c>: one line, for a person reading <c>curl</c> output or a probe's event.
/// Unhealthy: the reasons of the failing checks, joined by "; " (503). Otherwise "ok: " and every check's
/// description in registration order (200), degraded ones included.
/// </summary>
public static class HealthLine
{
    /// <summary>The line for <paramref name="report"/>, without the newline.</summary>
    public static string Of(HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var entries = report.Entries.Values.ToList();
        if (report.Status == HealthStatus.Unhealthy)
            return string.Join("; ", entries.Where(e => e.Status == HealthStatus.Unhealthy).Select(Describe));
        return "ok: " + string.Join("; ", entries.Select(Describe));
    }

    /// <summary>Writes <see cref="Of"/> as text/plain (the health-check middleware's ResponseWriter).</summary>
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(Of(report) + "\n", context.RequestAborted);
    }

    private static string Describe(HealthReportEntry entry) =>
        // A check that threw has no description of its own: say which one and what it threw.
        entry.Description ?? (entry.Exception is { } e ? $"{e.GetType().Name}: {e.Message}" : entry.Status.ToString().ToLowerInvariant());
}
