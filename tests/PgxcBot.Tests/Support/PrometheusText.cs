using System.Globalization;
using System.Text;

namespace PgxcBot.Tests.Support;

/// <summary>
/// A strict parser of the Prometheus text exposition format 0.0.4, for scrape tests: every line must be a
/// HELP, a TYPE, another comment or a sample; names and label names must be valid; label values must be
/// quoted with only \\, \" and \n escaped; values must be floats (or +Inf, -Inf, NaN); a family's TYPE comes
/// once and before its samples, its samples are contiguous, a counter's samples end in _total, and a
/// histogram's buckets carry le, are cumulative and end with +Inf equal to _count. Anything else throws
/// <see cref="FormatException"/> naming the line.
/// </summary>
internal static class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
    {
        public bool Has(params (string Name, string Value)[] labels) =>
            labels.All(l => Labels.TryGetValue(l.Name, out var v) && v == l.Value);
    }

    public sealed class Family(string name, string type)
    {
        public string Name { get; } = name;
        public string Type { get; } = type;
        public string? Help { get; set; }
        public List<Sample> Samples { get; } = [];

        /// <summary>The one sample named <paramref name="name"/> with exactly these labels.</summary>
        public double Value(string name, params (string Name, string Value)[] labels) =>
            Assert.Single(Samples, s => s.Name == name && s.Labels.Count == labels.Length && s.Has(labels)).Value;
    }

    private static readonly HashSet<string> Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public static IReadOnlyDictionary<string, Family> Parse(string text)
    {
        var families = new Dictionary<string, Family>(StringComparer.Ordinal);
        var closed = new HashSet<string>(StringComparer.Ordinal);
        var helps = new Dictionary<string, string>(StringComparer.Ordinal);
        Family? current = null;
        var lines = text.Split('\n');
        if (lines[^1].Length != 0) throw new FormatException("the exposition must end with a newline");
        for (var n = 0; n < lines.Length - 1; n++)
        {
            var line = lines[n];
            string Where() => $"line {n + 1} \"{line}\"";
            if (line.Length == 0) continue;
            if (line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var rest = line[7..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                var name = space < 0 ? rest : rest[..space];
                var value = space < 0 ? "" : rest[(space + 1)..];
                if (!IsName(name, metric: true)) throw new FormatException($"{Where()}: bad metric name");
                if (line[2] == 'H')
                {
                    if (!helps.TryAdd(name, Unescape(value, help: true, Where))) throw new FormatException($"{Where()}: second HELP");
                    if (families.TryGetValue(name, out var f)) f.Help = helps[name];
                    continue;
                }
                if (!Types.Contains(value)) throw new FormatException($"{Where()}: unknown type");
                if (families.ContainsKey(name)) throw new FormatException($"{Where()}: second TYPE");
                if (current is not null) closed.Add(current.Name);
                current = families[name] = new Family(name, value) { Help = helps.GetValueOrDefault(name) };
                continue;
            }
            if (line.StartsWith('#')) continue; // other comments are allowed
            var sample = ParseSample(line, Where);
            var family = FamilyOf(sample.Name, families) ?? throw new FormatException($"{Where()}: sample before its TYPE");
            if (closed.Contains(family.Name) || !ReferenceEquals(family, current)) throw new FormatException($"{Where()}: samples of {family.Name} are not contiguous");
            family.Samples.Add(sample);
        }
        foreach (var family in families.Values) Check(family);
        return families;
    }

    private static Family? FamilyOf(string sample, Dictionary<string, Family> families)
    {
        if (families.TryGetValue(sample, out var exact)) return exact;
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
            if (sample.EndsWith(suffix, StringComparison.Ordinal) && families.TryGetValue(sample[..^suffix.Length], out var f) && f.Type is "histogram" or "summary")
                return f;
        return null;
    }

    private static void Check(Family family)
    {
        if (family.Type == "counter")
        {
            if (!family.Name.EndsWith("_total", StringComparison.Ordinal)) throw new FormatException($"counter {family.Name} does not end in _total");
            if (family.Samples.Any(s => s.Value < 0 || double.IsNaN(s.Value))) throw new FormatException($"counter {family.Name} has a negative value");
        }
        if (family.Type != "histogram") return;
        foreach (var series in family.Samples.GroupBy(s => Key(s.Labels.Where(l => l.Key != "le"))))
        {
            var buckets = series.Where(s => s.Name == family.Name + "_bucket").ToList();
            if (buckets.Any(b => !b.Labels.ContainsKey("le"))) throw new FormatException($"{family.Name}: a bucket without le");
            var bounds = buckets.Select(b => ParseFloat(b.Labels["le"]) ?? throw new FormatException($"{family.Name}: bad le")).ToList();
            if (bounds.Count == 0 || !double.IsPositiveInfinity(bounds[^1])) throw new FormatException($"{family.Name}{series.Key}: no +Inf bucket last");
            for (var i = 1; i < buckets.Count; i++)
                if (bounds[i] <= bounds[i - 1] || buckets[i].Value < buckets[i - 1].Value)
                    throw new FormatException($"{family.Name}{series.Key}: buckets not increasing and cumulative at le={buckets[i].Labels["le"]}");
            var count = series.SingleOrDefault(s => s.Name == family.Name + "_count") ?? throw new FormatException($"{family.Name}{series.Key}: no _count");
            _ = series.SingleOrDefault(s => s.Name == family.Name + "_sum") ?? throw new FormatException($"{family.Name}{series.Key}: no _sum");
            if (count.Value != buckets[^1].Value) throw new FormatException($"{family.Name}{series.Key}: _count {count.Value} is not the +Inf bucket {buckets[^1].Value}");
        }
    }

    private static string Key(IEnumerable<KeyValuePair<string, string>> labels) =>
        "{" + string.Join(',', labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";

    private static Sample ParseSample(string line, Func<string> where)
    {
        var i = 0;
        while (i < line.Length && line[i] is not ('{' or ' ')) i++;
        var name = line[..i];
        if (!IsName(name, metric: true)) throw new FormatException($"{where()}: bad metric name");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                if (i >= line.Length) throw new FormatException($"{where()}: unterminated labels");
                if (line[i] == '}') { i++; break; }
                var start = i;
                while (i < line.Length && line[i] != '=') i++;
                var label = line[start..i];
                if (!IsName(label, metric: false) || label.StartsWith("__", StringComparison.Ordinal)) throw new FormatException($"{where()}: bad label name \"{label}\"");
                if (i + 1 >= line.Length || line[i + 1] != '"') throw new FormatException($"{where()}: label value not quoted");
                i += 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (i >= line.Length) throw new FormatException($"{where()}: unterminated label value");
                    var c = line[i++];
                    if (c == '"') break;
                    if (c != '\\') { value.Append(c); continue; }
                    if (i >= line.Length) throw new FormatException($"{where()}: dangling escape");
                    value.Append(line[i++] switch
                    {
                        '\\' => '\\',
                        '"' => '"',
                        'n' => '\n',
                        var e => throw new FormatException($"{where()}: bad escape \\{e}"),
                    });
                }
                if (!labels.TryAdd(label, value.ToString())) throw new FormatException($"{where()}: label {label} twice");
                if (i < line.Length && line[i] == ',') i++;
                else if (i >= line.Length || line[i] != '}') throw new FormatException($"{where()}: expected , or }} after a label");
            }
        }
        if (i >= line.Length || line[i] != ' ') throw new FormatException($"{where()}: no value");
        var parts = line[(i + 1)..].Split(' ');
        if (parts.Length > 2) throw new FormatException($"{where()}: trailing text");
        var number = ParseFloat(parts[0]) ?? throw new FormatException($"{where()}: bad value \"{parts[0]}\"");
        if (parts.Length == 2 && !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            throw new FormatException($"{where()}: bad timestamp");
        return new Sample(name, labels, number);
    }

    private static double? ParseFloat(string text) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when text.Length > 0 && (char.IsAsciiDigit(text[0]) || text[0] is '-' or '+' or '.')
               && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) => v,
        _ => null,
    };

    private static bool IsName(string name, bool metric) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_' || (metric && name[0] == ':'))
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || (metric && c == ':'));

    private static string Unescape(string text, bool help, Func<string> where)
    {
        var result = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\') { result.Append(text[i]); continue; }
            if (++i >= text.Length) throw new FormatException($"{where()}: dangling escape");
            result.Append(text[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                var e => throw new FormatException($"{where()}: bad escape \\{e} in {(help ? "HELP" : "text")}"),
            });
        }
        return result.ToString();
    }
}
