using System.Text;
using PgxcBot.Core.Remote;

namespace PgxcBot.Core.Servers;

/// <summary>
/// The one settings file the bot owns in each data directory, included once from postgresql.conf. The
/// bot rewrites it whole on every change, so running a step twice never piles up duplicate lines (the
/// runbook's <c>cat &gt;&gt;</c> does) and the file always says exactly what the bot wants.
/// </summary>
public static class ManagedConfig
{
    public const string FileName = "pgxcbot.conf";
    public const string IncludeLine = "include_if_exists = 'pgxcbot.conf'";

    /// <summary>The file's content for these settings, sorted so the same settings give the same bytes.</summary>
    public static string Render(IReadOnlyDictionary<string, string> settings)
    {
        var text = new StringBuilder()
            .Append("# Managed by PgxcBot: rewritten whole on every change; edit postgresql.conf instead.\n");
        foreach (var (name, value) in settings.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (!IsSettingName(name)) throw new ArgumentException($"'{name}' is not a PostgreSQL setting name", nameof(settings));
            text.Append(name).Append(" = ").Append(ConfValue.Quote(value)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Adds the include line to postgresql.conf unless it is already there (exactly once).</summary>
    public static ShellCommand EnsureIncluded(string dataDir) => ShellCommand.Of("sh", "-c",
        "grep -qxF \"$1\" \"$2\" || printf '%s\\n' \"$1\" >> \"$2\"",
        "pgxcbot-include", IncludeLine, Path(dataDir, "postgresql.conf"));

    /// <summary>Writes the whole file atomically (temp file, then rename), readable by its owner only.</summary>
    public static ShellCommand Write(string dataDir, string content) => WriteFile(Path(dataDir, FileName), content);

    /// <summary>Writes any file atomically with the given content; the content travels as one quoted argument.</summary>
    public static ShellCommand WriteFile(string path, string content) => ShellCommand.Of("sh", "-c",
        "umask 077 && printf '%s' \"$1\" > \"$2.pgxcbot-tmp\" && mv -f \"$2.pgxcbot-tmp\" \"$2\"",
        "pgxcbot-write", content, path);

    public static string Path(string dataDir, string file) => dataDir.TrimEnd('/') + "/" + file;

    private static bool IsSettingName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');
}
