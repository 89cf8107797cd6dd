using System.Globalization;
using System.Text.RegularExpressions;

namespace PgxcBot.Core.Monitoring;

/// <summary>The <c>--for</c> value of maintenance and silence: <c>90m</c>, <c>2h</c>, <c>1h30m</c>, <c>1d</c>.</summary>
public static partial class MaintenanceDuration
{
    /// <summary>The longest window one command may set: a forgotten window must not hide a cluster for weeks.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(7);

    /// <summary>Used when --for is not given.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromHours(1);

    /// <summary>Parses <paramref name="text"/>; on failure the error names the option (<paramref name="option"/>, --for
    /// unless told) and says what is valid.</summary>
    public static (TimeSpan? Duration, string? Error) Parse(string? text, string option = "for")
    {
        if (string.IsNullOrWhiteSpace(text)) return (Default, null);
        var match = Shape().Match(text.Trim());
        var error = $"--{option} '{text}' is not a duration: write minutes, hours or days such as 30m, 2h, 1h30m or 1d (at most 7d).";
        if (!match.Success || match.Groups.Values.Skip(1).All(g => !g.Success)) return (null, error);
        double Part(string name) => match.Groups[name].Success ? double.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        var duration = TimeSpan.FromDays(Part("d")) + TimeSpan.FromHours(Part("h")) + TimeSpan.FromMinutes(Part("m"));
        if (duration < TimeSpan.FromMinutes(1)) return (null, $"--{option} '{text}' is shorter than a minute: give at least 1m.");
        if (duration > Longest)
            return (null, option == "for"
                ? $"--for '{text}' is longer than 7d, the longest window: set 7d and renew it if the work lasts longer."
                : $"--{option} '{text}' is longer than 7d, the longest the store keeps in view: give at most 7d.");
        return (duration, null);
    }

    /// <summary>A duration as --for writes it: 2h, 1h30m, 1d, 45m.</summary>
    public static string Format(TimeSpan duration)
    {
        var parts = (duration.Days > 0 ? $"{duration.Days}d" : "") + (duration.Hours > 0 ? $"{duration.Hours}h" : "") + (duration.Minutes > 0 ? $"{duration.Minutes}m" : "");
        return parts.Length == 0 ? "0m" : parts;
    }

    [GeneratedRegex(@"^(?:(?<d>\d{1,3})d)?(?:(?<h>\d{1,4})h)?(?:(?<m>\d{1,5})m(?:in)?)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
