namespace PgxcBot.Core.Assessment;

/// <summary>
/// synchronous_standby_names parsed: <c>a, b</c>, <c>2 (a, b)</c>, <c>FIRST 1 (a, b)</c>,
/// <c>ANY 1 (a, b)</c>, <c>*</c>, with optional double quotes. Names compare case-insensitively, as
/// PostgreSQL compares application_name against this list.
/// </summary>
public sealed record SyncStandbyNames(string Raw, IReadOnlyList<string> Names)
{
    /// <summary>True when the setting names at least one standby, i.e. commits wait for one.</summary>
    public bool IsConfigured => Names.Count > 0;

    /// <summary>True when <paramref name="applicationName"/> is listed (or the list is <c>*</c>).</summary>
    public bool Includes(string applicationName) =>
        Names.Any(n => n == "*" || string.Equals(n, applicationName, StringComparison.OrdinalIgnoreCase));

    public static SyncStandbyNames Parse(string? raw)
    {
        var text = (raw ?? "").Trim();
        if (text.Length == 0) return new SyncStandbyNames("", []);

        var body = text;
        var open = text.IndexOf('(');
        if (open >= 0 && text.EndsWith(')'))
            body = text[(open + 1)..^1]; // "FIRST 1 (a, b)" / "ANY 2 (a,b)" / "2 (a, b)": the names are inside.

        var names = body.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => n.Length >= 2 && n[0] == '"' && n[^1] == '"' ? n[1..^1].Replace("\"\"", "\"") : n)
            .Where(n => n.Length > 0)
            .ToArray();
        return new SyncStandbyNames(text, names);
    }
}
