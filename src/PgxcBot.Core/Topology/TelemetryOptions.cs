namespace PgxcBot.Core.Topology;

/// <summary>
/// The optional <c>telemetry</c> section as written: where OpenTelemetry metrics and traces are pushed
/// (OTLP). Absent: nothing is pushed (the Prometheus scrape endpoint is <c>monitor.httpListen</c>).
/// </summary>
public sealed class TelemetryOptions
{
    /// <summary>The OTLP collector, e.g. "http://127.0.0.1:4317" (gRPC) or "http://127.0.0.1:4318" (HTTP).</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>grpc (default) or http/protobuf.</summary>
    public string? OtlpProtocol { get; set; }

    /// <summary>How often metrics are pushed, in seconds; default 60, 1 to 3600.</summary>
    public double? OtlpExportIntervalSeconds { get; set; }
}

/// <summary>How OTLP is spoken to the collector.</summary>
public enum OtlpTransport
{
    /// <summary>OTLP over gRPC, usually port 4317: one endpoint for every signal.</summary>
    Grpc,
    /// <summary>OTLP over HTTP with protobuf bodies, usually port 4318: /v1/metrics and /v1/traces under the endpoint.</summary>
    HttpProtobuf,
}

/// <summary>The validated <c>telemetry</c> section.</summary>
/// <param name="OtlpEndpoint">Absolute http(s) URI of the collector; null when nothing is pushed.</param>
/// <param name="ExportInterval">Between two metric pushes.</param>
public sealed record TelemetrySettings(Uri? OtlpEndpoint, OtlpTransport Transport, TimeSpan ExportInterval)
{
    /// <summary>No telemetry section: nothing pushed.</summary>
    public static readonly TelemetrySettings None = new(null, OtlpTransport.Grpc, TimeSpan.FromSeconds(60));
}
