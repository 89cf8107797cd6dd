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
    public static ShellCommand EnsureIncluded(string dataDir) => EnsureIncluded(dataDir, FileName);

    /// <summary>Adds <c>include_if_exists = 'file'</c> for another bot-owned file, exactly once.</summary>
    public static ShellCommand EnsureIncluded(string dataDir, string fileName) =>
        AppendLineOnce(Path(dataDir, "postgresql.conf"), IncludeLineFor(fileName));

    /// <summary>The include line for a bot-owned file in the data directory.</summary>
    public static string IncludeLineFor(string fileName) => $"include_if_exists = {ConfValue.Quote(fileName)}";

    /// <summary>
    /// Appends <paramref name="line"/> to <paramref name="file"/> unless a line exactly equal to it is there:
    /// the runbook's <c>cat &gt;&gt;</c> made idempotent. The script is constant; the line and file are arguments.
    /// </summary>
    public static ShellCommand AppendLineOnce(string file, string line) => ShellCommand.Of("sh", "-c",
        "grep -qxF \"$1\" \"$2\" || printf '%s\\n' \"$1\" >> \"$2\"",
        "pgxcbot-include", line, file);

    /// <summary>Exit 0 when <paramref name="file"/> has a line exactly equal to <paramref name="line"/>.</summary>
    public static ShellCommand HasLine(string file, string line) => ShellCommand.Of("grep", "-qxF", "--", line, file);

    /// <summary>Exit 0 when <paramref name="file"/> holds exactly <paramref name="content"/> (so a rewrite would change nothing).</summary>
    public static ShellCommand HasContent(string file, string content) => ShellCommand.Of("sh", "-c",
        "printf '%s' \"$1\" | cmp -s - \"$2\"", "pgxcbot-same", content, file);

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
