using System.Text;

namespace PgxcBot.Core.Servers;

/// <summary>Quoting for postgresql.conf values and libpq connection strings.</summary>
public static class ConfValue
{
    /// <summary>A postgresql.conf string value: single-quoted, embedded quotes doubled.</summary>
    public static string Quote(string value)
    {
        if (value.Contains('\n') || value.Contains('\r') || value.Contains('\0'))
            throw new ArgumentException("a configuration value cannot contain a line break", nameof(value));
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>A libpq conninfo (<c>host=h port=p user=u application_name=a</c>), each value quoted when needed.</summary>
    public static string ConnInfo(params (string Key, string Value)[] pairs)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in pairs)
        {
            if (text.Length > 0) text.Append(' ');
            text.Append(key).Append('=');
            var plain = value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':' or '/');
            if (plain) text.Append(value);
            else text.Append('\'').Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)).Append('\'');
        }
        return text.ToString();
    }
}
