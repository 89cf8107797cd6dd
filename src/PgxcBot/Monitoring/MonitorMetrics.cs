using System.Diagnostics.Metrics;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Pairs;

namespace PgxcBot.Monitoring;

/// <summary>
/// The monitor's metrics (System.Diagnostics.Metrics, meter <see cref="MeterName"/>): pair state, lag in
/// bytes and seconds, probe latency, poll duration, alerts raised, operations run, how long commits were
/// blocked. OpenTelemetry collects them (<see cref="Telemetry.TelemetryServiceCollectionExtensions"/>): the
/// Prometheus scrape endpoint and OTLP; dotnet-counters can read them too.
/// </summary>
public sealed class MonitorMetrics : IDisposable
{
    public const string MeterName = "PgxcBot.Monitor";

    private readonly Meter _meter;
    private readonly Histogram<double> _probeLatency;
    private readonly Histogram<double> _pollDuration;
    private readonly Counter<long> _alerts;
    private readonly Counter<long> _operations;
    private readonly Histogram<double> _commitsBlocked;
    private volatile ClusterAssessment? _latest;

    // Bucket bounds as advice: the exporters (Prometheus, OTLP) use them instead of OpenTelemetry's defaults,
    // which are too coarse below 5 ms and for blocked-commit spans of a second or two.
    private static readonly InstrumentAdvice<double> MillisecondBuckets = new() { HistogramBucketBoundaries = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] };
    private static readonly InstrumentAdvice<double> SecondBuckets = new() { HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60, 300] };

    public MonitorMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        _probeLatency = _meter.CreateHistogram("pgxcbot.probe.latency", "ms", "Time to probe one server (answer, error or timeout).", null, MillisecondBuckets);
        _pollDuration = _meter.CreateHistogram("pgxcbot.poll.duration", "ms", "Time of one monitor poll: observe, assess, alert.", null, MillisecondBuckets);
        _alerts = _meter.CreateCounter<long>("pgxcbot.alerts.raised", description: "Incidents raised.");
        _operations = _meter.CreateCounter<long>("pgxcbot.operations.run", description: "Operations the monitor started, by kind and outcome.");
        _commitsBlocked = _meter.CreateHistogram("pgxcbot.commits.blocked", "s", "How long commits waited for a lost sync slave before the automatic switch released them.", null, SecondBuckets);
        _meter.CreateObservableGauge("pgxcbot.pair.state", () => Each(p => PairTransitions.StateFor(p.Condition) is { } s ? (int?)(int)s : null),
            description: "Pair state as observed (PairState: 0 Async, 1 Sync, 2 Degraded, 3 DegradedSlaveLost, 4 DegradedMasterLost, 5 Promoted).");
        _meter.CreateObservableGauge("pgxcbot.replication.lag.bytes", () => Each(p => p.Lag?.Bytes), "By", "WAL the slave has not replayed.");
        _meter.CreateObservableGauge("pgxcbot.replication.lag.seconds", () => Each(p => p.Lag?.Time?.TotalSeconds), "s", "Replay delay of the slave.");
    }

    /// <summary>The meter the instruments belong to.</summary>
    public Meter Meter => _meter;

    /// <summary>Records one poll's assessment and timings.</summary>
    public void RecordPoll(ClusterAssessment assessment, TimeSpan pollDuration)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        _latest = assessment;
        _pollDuration.Record(pollDuration.TotalMilliseconds);
        foreach (var pair in assessment.Snapshot.Pairs)
        {
            _probeLatency.Record(pair.Master.Elapsed.TotalMilliseconds, Tag("server", pair.Datanode), Tag("role", "master"), Tag("status", pair.Master.Status));
            if (pair.Slave is { } slave)
                _probeLatency.Record(slave.Elapsed.TotalMilliseconds, Tag("server", pair.Datanode), Tag("role", "slave"), Tag("status", slave.Status));
        }
        foreach (var coordinator in assessment.Snapshot.Coordinators)
            _probeLatency.Record(coordinator.Elapsed.TotalMilliseconds, Tag("server", coordinator.Coordinator), Tag("role", "coordinator"), Tag("status", coordinator.Status));
    }

    public void AlertRaised(string kind, Severity severity) => _alerts.Add(1, Tag("kind", kind), Tag("severity", severity));

    public void OperationRun(string kind, bool succeeded) => _operations.Add(1, Tag("kind", kind), Tag("outcome", succeeded ? "succeeded" : "failed"));

    public void CommitsBlocked(TimeSpan span) => _commitsBlocked.Record(span.TotalSeconds);

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<T>> Each<T>(Func<PairAssessment, T?> value) where T : struct
    {
        if (_latest is not { } latest) yield break;
        foreach (var pair in latest.Pairs)
            if (value(pair) is { } v) yield return new Measurement<T>(v, Tag("datanode", pair.Datanode));
    }

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value?.ToString());
}
