
namespace PgxcBot.Benchmarks;

/// <summary>Parses <c>--name value</c> options, rejecting unknown names so a typo is not silently ignored.</summary>
internal sealed class BenchmarkOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public BenchmarkOptions(IReadOnlyList<string> arguments, params string[] known)
    {
        for (var i = 0; i < arguments.Count; i++)
        {
            var name = arguments[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || !known.Contains(name[2..]))
                throw new BenchmarkArgumentException($"unknown option '{name}'; valid: {string.Join(", ", known.Select(k => "--" + k))}.");
            if (i + 1 >= arguments.Count)
                throw new BenchmarkArgumentException($"{name} needs a value.");
            _values[name[2..]] = arguments[++i];
        }
    }

    public int Int(string name, int defaultValue, int min, int max)
    {
        if (!_values.TryGetValue(name, out var text)) return defaultValue;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new BenchmarkArgumentException($"--{name} '{text}' is not a whole number from {min} to {max}.");
        return value;
    }

    /// <summary>The option's text, or <paramref name="defaultValue"/> when it is not given.</summary>
    public string String(string name, string defaultValue) => _values.TryGetValue(name, out var text) ? text : defaultValue;

    public IReadOnlyList<int> IntList(string name, IReadOnlyList<int> defaultValue, int min, int max)
    {
        if (!_values.TryGetValue(name, out var text)) return defaultValue;
        var values = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
                throw new BenchmarkArgumentException($"--{name} '{text}': '{part}' is not a whole number from {min} to {max}; write e.g. 1,8,32.");
            values.Add(value);
        }
        if (values.Count == 0) throw new BenchmarkArgumentException($"--{name} is empty; write e.g. 1,8,32.");
        return values;
    }
}
