using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PgxcBot.Monitoring;
using PgxcBot.Telemetry;
using PgxcBot.Tests.Secrets;
using PgxcBot.Tests.Monitoring;

namespace PgxcBot.Tests.Telemetry;

/// <summary>The <c>telemetry</c> section, and OTLP export to a collector it names (a fake one on 127.0.0.1 port 0).</summary>
[Collection(MeterSerial.Name)]
public sealed class TelemetryConfigTests
{
    private static ConfigReport With(JsonObject telemetry)
    {
        var config = TestConfigs.Minimal();
        config["telemetry"] = telemetry;
        return TestConfigs.Validate(config);
    }

    [Fact]
    public void Without_the_section_nothing_is_pushed()
    {
        var telemetry = TestConfigs.Validate(TestConfigs.Minimal()).Topology!.Telemetry;
        Assert.Same(TelemetrySettings.None, telemetry);
        Assert.Null(telemetry.OtlpEndpoint);
    }

    [Theory]
    [InlineData("http://127.0.0.1:4317", null, OtlpTransport.Grpc)]
    [InlineData("https://otel.example.com:4317", "grpc", OtlpTransport.Grpc)]
    [InlineData("http://127.0.0.1:4318", "http/protobuf", OtlpTransport.HttpProtobuf)]
    [InlineData("http://collector:4318/otlp", "HTTP", OtlpTransport.HttpProtobuf)]
    public void An_endpoint_and_protocol_are_read(string endpoint, string? protocol, OtlpTransport transport)
    {
        var section = new JsonObject { ["otlpEndpoint"] = endpoint, ["otlpExportIntervalSeconds"] = 15 };
        if (protocol is not null) section["otlpProtocol"] = protocol;
        var report = With(section);
        Assert.Empty(report.Errors);
        Assert.Equal(new Uri(endpoint), report.Topology!.Telemetry.OtlpEndpoint);
        Assert.Equal(transport, report.Topology.Telemetry.Transport);
        Assert.Equal(TimeSpan.FromSeconds(15), report.Topology.Telemetry.ExportInterval);
    }

    [Theory]
    [InlineData("otlpEndpoint", "collector:4317", "\"collector:4317\" is not an http or https URL")]
    [InlineData("otlpEndpoint", "grpc://127.0.0.1:4317", "give e.g. \"http://127.0.0.1:4317\"")]
    [InlineData("otlpProtocol", "thrift", "expected grpc (default, port 4317) or http/protobuf")]
    [InlineData("otlpExportIntervalSeconds", "0.5", "give 1 to 3600 seconds")]
    public void A_bad_value_is_an_error_naming_the_field_and_the_fix(string key, string value, string message)
    {
        var section = new JsonObject { ["otlpEndpoint"] = "http://127.0.0.1:4317" };
        section[key] = key == "otlpExportIntervalSeconds" ? JsonValue.Create(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture)) : value;
        var report = With(section);
        Assert.Null(report.Topology);
        var error = Assert.Single(report.Errors);
        Assert.Equal("telemetry." + key, error.Path);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void A_protocol_without_an_endpoint_is_warned_about()
    {
        var report = With(new JsonObject { ["otlpProtocol"] = "grpc" });
        Assert.Null(report.Topology!.Telemetry.OtlpEndpoint);
        Assert.Contains(report.Warnings, w => w.Path == "telemetry.otlpEndpoint" && w.Message.Contains("nothing is pushed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://c:4318", "http://c:4318/v1/traces")]
    [InlineData("http://c:4318/", "http://c:4318/v1/traces")]
    [InlineData("http://c:4318/otlp", "http://c:4318/otlp/v1/traces")]
    [InlineData("http://c:4318/v1/traces", "http://c:4318/v1/traces")]
    public void Over_http_each_signal_gets_its_path(string endpoint, string expected) =>
        Assert.Equal(new Uri(expected), TelemetryServiceCollectionExtensions.SignalUri(new Uri(endpoint), "v1/traces"));

    [Fact]
    public async Task Metrics_and_operation_traces_are_pushed_to_the_configured_collector()
    {
        await using var collector = await FakeCollector.StartAsync();
        var report = With(new JsonObject
        {
            ["otlpEndpoint"] = collector.Address.ToString(), ["otlpProtocol"] = "http/protobuf", ["otlpExportIntervalSeconds"] = 3600,
        });
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton(report.Topology!);
        services.AddSingleton<MonitorMetrics>();
        services.AddPgxcBotTelemetry();
        await using var provider = services.BuildServiceProvider();
        var meters = provider.GetRequiredService<MeterProvider>();
        var tracer = provider.GetRequiredService<TracerProvider>();

        provider.GetRequiredService<MonitorMetrics>().AlertRaised("slave-lost", Severity.Warning);
        var lab = new OperationLab(new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero)));
        var service = lab.Service(new MemoryOperationStore(), new MemoryTopologyStore());
        var requested = (await service.RequestAsync("promote", "datanode1", [], OperationLab.Alice, default)).Operation!;
        var done = (await service.ApproveAsync(requested.Id, requested.Nonce, OperationLab.Bob, [], default)).Operation!;
        Assert.Equal(OperationState.Succeeded, done.State);

        Assert.True(tracer.ForceFlush(10_000), "the traces were exported");
        // False overall: the Prometheus reader only collects for a scrape. The OTLP reader has pushed by now.
        meters.ForceFlush(10_000);

        var traces = collector.Bodies("/v1/traces");
        Assert.Contains(traces, b => b.Contains("promote-slave", StringComparison.Ordinal) && b.Contains(OperationTracing.DatanodeTag, StringComparison.Ordinal)
                                     && b.Contains(OperationTracing.OperationIdTag, StringComparison.Ordinal));
        var metrics = collector.Bodies("/v1/metrics");
        Assert.Contains(metrics, b => b.Contains("pgxcbot.alerts.raised", StringComparison.Ordinal) && b.Contains(TelemetryServiceCollectionExtensions.ServiceName, StringComparison.Ordinal));
        Assert.All(collector.ContentTypes, t => Assert.Equal("application/x-protobuf", t));
    }

    /// <summary>An OTLP/HTTP collector that accepts everything and keeps what it got.</summary>
    private sealed class FakeCollector : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<(string Path, string? Type, byte[] Body)> _got;

        private FakeCollector(WebApplication app, ConcurrentQueue<(string Path, string? Type, byte[] Body)> got)
        {
            _app = app;
            _got = got;
        }

        public required Uri Address { get; init; }

        public IEnumerable<string?> ContentTypes => _got.Select(g => g.Type);

        /// <summary>What was posted to <paramref name="path"/>, as text (protobuf keeps strings as UTF-8).</summary>
        public List<string> Bodies(string path) => _got.Where(g => g.Path == path).Select(g => Encoding.UTF8.GetString(g.Body)).ToList();

        public static async Task<FakeCollector> StartAsync()
        {
            var got = new ConcurrentQueue<(string Path, string? Type, byte[] Body)>();
            var (app, address) = await LoopbackWebApp.StartAsync(app => app.Run(async context =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body, context.RequestAborted);
                got.Enqueue((context.Request.Path.Value ?? "", context.Request.ContentType, body.ToArray()));
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "application/x-protobuf";
            }));
            return new FakeCollector(app, got) { Address = address };
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
