namespace PgxcBot.Core.Topology;

/// <summary>The checks of the <c>telemetry</c> section: every error with its path and the fix.</summary>
internal sealed partial class Validation
{
    private TelemetrySettings? CheckTelemetry()
    {
        var t = options.Telemetry;
        if (t is null) return TelemetrySettings.None;
        var ok = true;

        var transport = OtlpTransport.Grpc;
        switch (t.OtlpProtocol?.Trim().ToLowerInvariant())
        {
            case null or "grpc": break;
            case "http/protobuf" or "http": transport = OtlpTransport.HttpProtobuf; break;
            default:
                ok = Fail("telemetry.otlpProtocol", $"\"{ConfigRules.Show(t.OtlpProtocol!)}\" is not an OTLP protocol; expected grpc (default, port 4317) or http/protobuf (port 4318).");
                break;
        }

        var interval = TelemetrySettings.None.ExportInterval;
        if (t.OtlpExportIntervalSeconds is { } seconds)
        {
            if (double.IsFinite(seconds) && seconds is >= 1 and <= 3600) interval = TimeSpan.FromSeconds(seconds);
            else ok = Fail("telemetry.otlpExportIntervalSeconds", $"{ConfigValidator.Format(seconds)} is out of range; give 1 to 3600 seconds (default 60): how often metrics are pushed to the collector.");
        }

        Uri? endpoint = null;
        if (t.OtlpEndpoint is { } text)
        {
            if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host)
                || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
                ok = Fail("telemetry.otlpEndpoint", $"\"{ConfigRules.Show(text)}\" is not an http or https URL of an OTLP collector; give e.g. \"http://127.0.0.1:4317\" (grpc) or \"http://127.0.0.1:4318\" (http/protobuf), without a query or credentials. Remove the key to push nothing.");
            else endpoint = uri;
        }
        else if (t.OtlpProtocol is not null || t.OtlpExportIntervalSeconds is not null)
        {
            Warn("telemetry.otlpEndpoint", "missing, so nothing is pushed and telemetry.otlpProtocol / otlpExportIntervalSeconds have no effect. Give the collector's URL, e.g. \"http://127.0.0.1:4317\".");
        }
        return ok ? new TelemetrySettings(endpoint, transport, interval) : null;
    }
}
