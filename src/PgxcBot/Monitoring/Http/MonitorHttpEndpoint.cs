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
/// <c>GET /metrics</c>, <c>GET /healthz</c>, <c>GET /healthz/active</c> (200 on the active replica only, for a load
/// balancer: <see cref="ActiveReplicaCheck"/>) and <c>GET /status</c> / <c>/status.json</c> (<see cref="HttpStatusReport"/>:
/// what <c>pgxcbot status</c> prints, observed now; the Nagios code in the <c>X-Pgxcbot-Nagios</c> header) on Kestrel. /metrics is OpenTelemetry's Prometheus exporter
/// (text format 0.0.4, or OpenMetrics when the scraper asks) over the bot's <see cref="MeterProvider"/>;
/// /healthz runs the registered health checks (<see cref="PgxcBotHealthChecks"/>): 200 when none is
/// unhealthy, else 503, with the one-line <see cref="HealthLine"/> as the body. Anything else is 404, a
/// method other than GET or HEAD 405. Read-only and unauthenticated: bind it to loopback unless a firewall
/// guards it.
/// </summary>
/// <param name="meters">Built with the Prometheus exporter (<see cref="Telemetry.TelemetryServiceCollectionExtensions.AddPgxcBotTelemetry"/>).</param>
/// <param name="status">The status report; null: /status is 404 (a host without the status source).</param>
public sealed partial class MonitorHttpEndpoint(MeterProvider meters, HealthCheckService health, ILogger<MonitorHttpEndpoint> logger,
    HttpStatusReport? status = null) : IAsyncDisposable
{
    /// <summary>The response header that carries the status's Nagios code (0 OK, 1 WARNING, 2 CRITICAL).</summary>
    public const string NagiosHeader = "X-Pgxcbot-Nagios";

    private static readonly string[] Paths = ["/metrics", "/healthz", "/healthz/active", "/status", "/status.json"];

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
        app.MapWhen(c => c.Request.Path.Value is "/status" or "/status.json", branch => branch.Run(ServeStatusAsync));
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
        if (!Paths.Contains(context.Request.Path.Value))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            await response.WriteAsync("not found: the endpoints are /metrics, /healthz, /healthz/active, /status and /status.json\n", context.RequestAborted).ConfigureAwait(false);
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

    /// <summary>/status and /status.json: the report, its Nagios code in <see cref="NagiosHeader"/>; a failure to
    /// observe is 503 with the reason (the CLI then observes by itself).</summary>
    private async Task ServeStatusAsync(HttpContext context)
    {
        var response = context.Response;
        if (status is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            await response.WriteAsync("not found: this host serves no status\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }
        var json = context.Request.Path.Value == "/status.json";
        string body;
        int code;
        try
        {
            (body, code) = await status.RenderAsync(json, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogStatusFailed(logger, e);
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await response.WriteAsync($"the bot could not observe the cluster: {e.GetType().Name}: {e.Message}\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }
        response.ContentType = json ? "application/json; charset=utf-8" : "text/plain; charset=utf-8";
        response.Headers[NagiosHeader] = code.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (HttpMethods.IsHead(context.Request.Method)) return;
        await response.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitor HTTP endpoints /metrics, /healthz, /healthz/active and /status listening on {Address}")]
    private static partial void LogListening(ILogger logger, string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "GET /status could not observe the cluster; answered 503")]
    private static partial void LogStatusFailed(ILogger logger, Exception exception);
}
