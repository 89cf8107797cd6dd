using System.Globalization;

namespace PgxcBot.Core.Servers;

public static class Bytes
{
    /// <summary>1536 → "1.5 kB"; binary multiples, as PostgreSQL's pg_size_pretty.</summary>
    public static string Humanize(long bytes)
    {
        string[] units = ["bytes", "kB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} bytes" : value.ToString(value < 10 ? "0.#" : "0", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}
