using System.Globalization;

namespace PgxcBot.Core.Assessment;

/// <summary>Numbers as an operator reads them in a sentence: "12 MB", "3.5 s", "2 min 5 s".</summary>
public static class Humanize
{
    private static readonly string[] Units = ["bytes", "kB", "MB", "GB", "TB", "PB"];

    /// <summary>Binary units like pg_size_pretty (1 MB = 1024 kB); one decimal below 10, none above.</summary>
    public static string Bytes(long bytes)
    {
        if (bytes < 1024) return bytes.ToString(CultureInfo.InvariantCulture) + (bytes == 1 ? " byte" : " bytes");
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        var format = value < 10 ? "0.#" : "0";
        return value.ToString(format, CultureInfo.InvariantCulture) + " " + Units[unit];
    }

    /// <summary>Seconds with one decimal under a minute, then "3 min 20 s", then "2 h 5 min".</summary>
    public static string Duration(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero) duration = TimeSpan.Zero;
        if (duration.TotalSeconds < 10) return duration.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";
        if (duration.TotalSeconds < 60) return ((int)Math.Round(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + " s";
        if (duration.TotalHours < 1)
            return string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalMinutes} min {duration.Seconds} s");
        if (duration.TotalDays < 1)
            return string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalHours} h {duration.Minutes} min");
        return string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalDays} d {duration.Hours} h");
    }
}
