using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace PgxcBot.Monitoring.Http;

/// <summary>
/// A small Prometheus text-format (0.0.4) exporter for the instruments of one <see cref="Meter"/>: counters
/// are summed per label set (<c>_total</c>), histograms keep cumulative buckets, sum and count, observable
/// gauges are read at scrape time. Names follow the OpenTelemetry-to-Prometheus convention: dots become
/// underscores and the unit is spelled out (<c>pgxcbot.probe.latency</c> in ms →
/// <c>pgxcbot_probe_latency_milliseconds</c>). Only the given meter instance is collected, so two monitors
/// in one process (tests) never mix. Thread-safe.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private static readonly double[] MillisecondBuckets = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
    private static readonly double[] SecondBuckets = [0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60, 300];
    private static readonly double[] DefaultBuckets = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly Meter _meter;
    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<Instrument, Series> _series = [];

    public PrometheusExporter(Meter meter)
    {
        _meter = meter ?? throw new ArgumentNullException(nameof(meter));
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!ReferenceEquals(instrument.Meter, _meter)) return;
            lock (_gate) _series[instrument] = new Series(instrument);
            listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>Content type of <see cref="Scrape"/>.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Every instrument in the text exposition format; gauges are read now.</summary>
    public string Scrape()
    {
        lock (_gate)
            foreach (var series in _series.Values.Where(s => s.IsGauge)) series.Values.Clear(); // a gauge shows only what it reports now
        _listener.RecordObservableInstruments();

        var text = new StringBuilder();
        lock (_gate)
        {
            foreach (var series in _series.Values.OrderBy(s => s.Instrument.Name, StringComparer.Ordinal))
                series.Render(text);
        }
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = Labels(tags);
        lock (_gate)
            if (_series.TryGetValue(instrument, out var series)) series.Add(labels, value);
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return "";
        var pairs = new List<(string Name, string Value)>(tags.Length);
        foreach (var tag in tags) pairs.Add((Name(tag.Key), Escape(Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "")));
        return string.Join(',', pairs.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"{p.Name}=\"{p.Value}\""));
    }

    private static string Name(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_').ToArray();
        if (chars.Length > 0 && char.IsAsciiDigit(chars[0])) return "_" + new string(chars);
        return new string(chars);
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    internal static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>One instrument's values by label set.</summary>
    private sealed class Series
    {
        private readonly string _name;
        private readonly string _type;
        private readonly double[] _bounds;

        public Series(Instrument instrument)
        {
            Instrument = instrument;
            var kind = instrument.GetType().GetGenericTypeDefinition();
            IsGauge = kind == typeof(ObservableGauge<>) || kind == typeof(Gauge<>);
            IsHistogram = kind == typeof(Histogram<>);
            var counter = kind == typeof(Counter<>) || kind == typeof(ObservableCounter<>);
            var unit = instrument.Unit switch
            {
                "ms" => "_milliseconds",
                "s" => "_seconds",
                "By" => "_bytes",
                _ => "",
            };
            var name = Name(instrument.Name);
            if (!name.EndsWith(unit, StringComparison.Ordinal)) name += unit;
            _name = counter ? name + "_total" : name;
            _type = IsHistogram ? "histogram" : counter ? "counter" : "gauge";
            _bounds = instrument.Unit switch { "ms" => MillisecondBuckets, "s" => SecondBuckets, _ => DefaultBuckets };
        }

        public Instrument Instrument { get; }
        public bool IsGauge { get; }
        public bool IsHistogram { get; }
        public Dictionary<string, double> Values { get; } = new(StringComparer.Ordinal);
        private Dictionary<string, (long[] Buckets, double Sum, long Count)> Histograms { get; } = new(StringComparer.Ordinal);

        public void Add(string labels, double value)
        {
            if (IsHistogram)
            {
                if (!Histograms.TryGetValue(labels, out var h)) h = (new long[_bounds.Length], 0, 0);
                for (var i = 0; i < _bounds.Length; i++)
                    if (value <= _bounds[i]) h.Buckets[i]++;
                Histograms[labels] = (h.Buckets, h.Sum + value, h.Count + 1);
            }
            else if (IsGauge) Values[labels] = value;
            else Values[labels] = Values.GetValueOrDefault(labels) + value;
        }

        public void Render(StringBuilder text)
        {
            if (Instrument.Description is { Length: > 0 } help)
                text.Append("# HELP ").Append(_name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
            text.Append("# TYPE ").Append(_name).Append(' ').Append(_type).Append('\n');
            if (!IsHistogram)
            {
                foreach (var (labels, value) in Values.OrderBy(v => v.Key, StringComparer.Ordinal))
                    text.Append(_name).Append(Braces(labels)).Append(' ').Append(Number(value)).Append('\n');
                return;
            }
            foreach (var (labels, h) in Histograms.OrderBy(v => v.Key, StringComparer.Ordinal))
            {
                var prefix = labels.Length == 0 ? "" : labels + ",";
                for (var i = 0; i < _bounds.Length; i++)
                    text.Append(_name).Append("_bucket{").Append(prefix).Append("le=\"").Append(Number(_bounds[i])).Append("\"} ").Append(h.Buckets[i]).Append('\n');
                text.Append(_name).Append("_bucket{").Append(prefix).Append("le=\"+Inf\"} ").Append(h.Count).Append('\n');
                text.Append(_name).Append("_sum").Append(Braces(labels)).Append(' ').Append(Number(h.Sum)).Append('\n');
                text.Append(_name).Append("_count").Append(Braces(labels)).Append(' ').Append(h.Count).Append('\n');
            }
        }

        private static string Braces(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";
    }
}
