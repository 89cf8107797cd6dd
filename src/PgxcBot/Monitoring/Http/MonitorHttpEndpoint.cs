using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using PgxcBot.Monitoring.Health;

namespace PgxcBot.Monitoring.Http;

/// <summary>
/// <c>GET /metrics</c>, <c>GET /healthz</c> and <c>GET /healthz/active</c> (200 on the active replica only, for a load
/// balancer: <see cref="ActiveReplicaCheck"/>) on Kestrel. /metrics is OpenTelemetry's Prometheus exporter
/// (text format 0.0.4, or OpenMetrics when the scraper asks) over the bot's <see cref="MeterProvider"/>;
/// /healthz runs the registered health checks (<see cref="PgxcBotHealthChecks"/>): 200 when none is
/// unhealthy, else 503, with the one-line <see cref="HealthLine"/> as the body. Anything else is 404, a
/// method other than GET or HEAD 405. Read-only and unauthenticated: bind it to loopback unless a firewall
/// guards it.
/// </summary>
/// <param name="meters">Built with the Prometheus exporter (<see cref="Telemetry.TelemetryServiceCollectionExtensions.AddPgxcBotTelemetry"/>).</param>
public sealed partial class MonitorHttpEndpoint(MeterProvider meters, HealthCheckService health, ILogger<MonitorHttpEndpoint> logger) : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>Where it listens, once started (the real port when 0 was asked for).</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Listen(endpoint);
            k.Limits.MaxRequestBodySize = 0; // GET only
        });
        // The checks are the bot's (its container), the pipeline is this small app's.
        builder.Services.AddSingleton(health);
        var app = builder.Build();
        app.Use(GateAsync);
        app.UseOpenTelemetryPrometheusScrapingEndpoint(meters, predicate: null, path: "/metrics", configureBranchedPipeline: null, optionsName: null);
        // Exact paths: /healthz/active is not a sub-path of /healthz here (UseHealthChecks would match it as one).
        app.MapWhen(c => c.Request.Path.Value == "/healthz/active", branch => branch.UseHealthChecks("/healthz/active", new HealthCheckOptions
        {
            ResponseWriter = HealthLine.WriteAsync, AllowCachingResponses = false, Predicate = r => r.Tags.Contains(ActiveReplicaCheck.Tag),
        }));
        app.UseHealthChecks("/healthz", new HealthCheckOptions
        {
            ResponseWriter = HealthLine.WriteAsync, AllowCachingResponses = false, Predicate = r => !r.Tags.Contains(ActiveReplicaCheck.Tag),
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        LogListening(logger, Address.ToString());
    }

    /// <summary>Only the two paths, only GET and HEAD; never cached.</summary>
    private static async Task GateAsync(HttpContext context, RequestDelegate next)
    {
        var response = context.Response;
        if (context.Request.Path.Value is not ("/metrics" or "/healthz" or "/healthz/active"))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            await response.WriteAsync("not found: the endpoints are /metrics, /healthz and /healthz/active\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return;
        }
        response.Headers.CacheControl = "no-store";
        await next(context).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitor HTTP endpoints /metrics, /healthz and /healthz/active listening on {Address}")]
    private static partial void LogListening(ILogger logger, string address);
}
