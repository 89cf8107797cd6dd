namespace PgxcBot.Core.Remote;

/// <summary>What a command did: exit code and both output streams, as captured.</summary>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The last lines of output, for a progress message (stderr first: it says why).</summary>
    public string Excerpt(int maxChars = 400)
    {
        var text = string.Join('\n', new[] { StandardError.Trim(), StandardOutput.Trim() }.Where(s => s.Length > 0));
        return text.Length <= maxChars ? text : "…" + text[^maxChars..];
    }
}
