using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Topology;
using PgxcBot.Monitoring;

namespace PgxcBot.Telemetry;

public static class TelemetryServiceCollectionExtensions
{
    /// <summary>The OpenTelemetry service name of the bot (resource attribute service.name).</summary>
    public const string ServiceName = "pgxcbot";

    /// <summary>
    /// Registers OpenTelemetry: the meter provider collects the monitor's meter (<see cref="MonitorMetrics.MeterName"/>)
    /// for the Prometheus exporter that <c>/metrics</c> serves; with <c>telemetry.otlpEndpoint</c> it also pushes
    /// those metrics every <c>telemetry.otlpExportIntervalSeconds</c>, and the operation traces
    /// (<see cref="OperationTracing.SourceName"/>) in batches, to the collector. Without it nothing leaves the
    /// process and operation activities are not even created (nobody listens). Needs <see cref="ClusterTopology"/>.
    /// </summary>
    public static IServiceCollection AddPgxcBotTelemetry(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithMetrics(metrics => metrics
                .AddMeter(MonitorMetrics.MeterName)
                .AddPrometheusExporter(ConfigurePrometheus)
                // The topology is known only once the container is built: the OTLP reader is added then, if configured.
                .Deferred((provider, builder) =>
                {
                    if (Otlp(provider, "v1/metrics") is not { } options) return;
                    var interval = provider.GetRequiredService<ClusterTopology>().Telemetry.ExportInterval;
                    builder.AddReader(new PeriodicExportingMetricReader(new OtlpMetricExporter(options), (int)interval.TotalMilliseconds));
                }))
            .WithTracing(tracing => tracing
                .Deferred((provider, builder) =>
                {
                    if (Otlp(provider, "v1/traces") is not { } options) return;
                    builder.AddSource(OperationTracing.SourceName)
                        .AddProcessor(new BatchActivityExportProcessor(new OtlpTraceExporter(options)));
                }));
        return services;
    }

    private static MeterProviderBuilder Deferred(this MeterProviderBuilder builder, Action<IServiceProvider, MeterProviderBuilder> configure) =>
        ((IDeferredMeterProviderBuilder)builder).Configure(configure);

    private static TracerProviderBuilder Deferred(this TracerProviderBuilder builder, Action<IServiceProvider, TracerProviderBuilder> configure) =>
        ((IDeferredTracerProviderBuilder)builder).Configure(configure);

    /// <summary>
    /// Scrapes show the values of now (no response cache: a gauge read at 3 a.m. must be the last poll's), and
    /// keep the documented series names: no otel_scope labels, no target_info series.
    /// </summary>
    internal static void ConfigurePrometheus(PrometheusAspNetCoreOptions options)
    {
        options.ScrapeResponseCacheDurationMilliseconds = 0;
        options.ScopeInfoEnabled = false;
        options.TargetInfoEnabled = false;
    }

    /// <summary>The exporter options for one signal, or null without <c>telemetry.otlpEndpoint</c>.</summary>
    private static OtlpExporterOptions? Otlp(IServiceProvider provider, string signalPath)
    {
        var settings = provider.GetRequiredService<ClusterTopology>().Telemetry;
        if (settings.OtlpEndpoint is not { } endpoint) return null;
        var http = settings.Transport == OtlpTransport.HttpProtobuf;
        return new OtlpExporterOptions
        {
            Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc,
            // Over HTTP an endpoint set in code is used as it is: the signal's path is ours to add.
            Endpoint = http ? SignalUri(endpoint, signalPath) : endpoint,
        };
    }

    internal static Uri SignalUri(Uri endpoint, string signalPath)
    {
        var path = endpoint.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/" + signalPath, StringComparison.Ordinal)) return endpoint;
        return new UriBuilder(endpoint) { Path = path + "/" + signalPath }.Uri;
    }
}
