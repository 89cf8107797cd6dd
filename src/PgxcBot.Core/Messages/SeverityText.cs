using PgxcBot.Core.Assessment;

namespace PgxcBot.Core.Messages;

/// <summary>Words and markers for severities, the same in every chat system.</summary>
public static class SeverityText
{
    /// <summary>A bracketed marker that reads well in plain text and in Discord: [CRITICAL], [WARNING], ...</summary>
    public static string Marker(Severity severity) => severity switch
    {
        Severity.Critical => "[CRITICAL]",
        Severity.Warning => "[WARNING]",
        Severity.Info => "[INFO]",
        _ => "[OK]",
    };
}
