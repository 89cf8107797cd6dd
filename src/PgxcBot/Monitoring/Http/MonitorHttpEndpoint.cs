using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PgxcBot.Monitoring.Http;

/// <summary>
/// <c>GET /metrics</c> (Prometheus text format of the monitor's instruments) and <c>GET /healthz</c> (200
/// when the last poll finished within <see cref="MonitorHealth.MaxIntervals"/> intervals and the store is
/// writable, else 503; the body is the one-line reason) on Kestrel. Read-only and unauthenticated: bind it
/// to loopback unless a firewall guards it.
/// </summary>
/// <param name="storeCheck">Null when the store can be written now, else why not.</param>
public sealed partial class MonitorHttpEndpoint(
    MonitorMetrics metrics,
    IMonitorHealthSource health,
    Func<CancellationToken, Task<string?>> storeCheck,
    TimeProvider time,
    ILogger<MonitorHttpEndpoint> logger,
    Func<CancellationToken, Task<Core.Replicas.LeadershipStatus>>? replicas = null) : IAsyncDisposable
{
    private WebApplication? _app;
    private PrometheusExporter? _exporter;

    /// <summary>Where it listens, once started (the real port when 0 was asked for).</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        _exporter = new PrometheusExporter(metrics.Meter);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Listen(endpoint);
            k.Limits.MaxRequestBodySize = 0; // GET only
        });
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        LogListening(logger, Address.ToString());
    }

    private async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        var path = context.Request.Path.Value;
        if (path is not ("/metrics" or "/healthz"))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            await response.WriteAsync("not found: the endpoints are /metrics and /healthz\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return;
        }
        response.Headers.CacheControl = "no-store";
        if (path == "/metrics")
        {
            response.ContentType = PrometheusExporter.ContentType;
            await response.WriteAsync(_exporter!.Scrape(), context.RequestAborted).ConfigureAwait(false);
            return;
        }
        var storeProblem = await storeCheck(context.RequestAborted).ConfigureAwait(false);
        var verdict = MonitorHealth.Judge(health.LastPollAt, health.Interval, time.GetUtcNow(), storeProblem);
        if (replicas is not null)
        {
            // Two replicas on a shared store: the standby does not poll, and is healthy while the store answers.
            var status = await replicas(context.RequestAborted).ConfigureAwait(false);
            var line = Core.Replicas.LeadershipText.Describe(status, time.GetUtcNow());
            verdict = status.ThisIsActive ? verdict with { Reason = verdict.Reason + "; " + line }
                : storeProblem is null ? new HealthVerdict(true, "ok: " + line) : new HealthVerdict(false, storeProblem + "; " + line);
        }
        if (!verdict.Healthy) LogUnhealthy(logger, verdict.Reason);
        response.StatusCode = verdict.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        response.ContentType = "text/plain; charset=utf-8";
        await response.WriteAsync(verdict.Reason + "\n", context.RequestAborted).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
        _exporter?.Dispose();
        _exporter = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitor HTTP endpoints /metrics and /healthz listening on {Address}")]
    private static partial void LogListening(ILogger logger, string address);
    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check answered 503: {Reason}")]
    private static partial void LogUnhealthy(ILogger logger, string reason);
}
