using System.Globalization;

namespace PgxcBot.Store;

/// <summary>How both stores write times and read enums: ISO-8601 round-trip text, and enum names that must be known.</summary>
internal static class StoreText
{
    public static string Time(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    public static T ParseEnum<T>(string text, string column, string row) where T : struct, Enum =>
        Enum.TryParse<T>(text, ignoreCase: false, out var value) && Enum.IsDefined(value)
            ? value
            : throw new InvalidDataException($"{column} of '{row}' holds '{text}', which this bot does not know; was it written by a newer version?");
}
