using System.Text;

namespace PgxcBot.Core.Commands;

/// <summary>Splits a command line into words. Double or single quotes group words ("my arg"); the
/// typographic quotes that phones and chat clients substitute (“ ” ‘ ’) count as quotes too.</summary>
public static class CommandTokenizer
{
    /// <summary>The words, or an error when a quote is not closed.</summary>
    public static (IReadOnlyList<string> Words, string? Error) Split(string line)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char? closing = null;

        foreach (var c in line)
        {
            if (closing is not null)
            {
                if (c == closing || (closing == '"' && c == '”') || (closing == '\'' && c == '’'))
                    closing = null;
                else
                    current.Append(c);
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(current.ToString());
                current.Clear();
                inWord = false;
                continue;
            }
            inWord = true;
            closing = c switch
            {
                '"' or '“' or '”' => '"',
                '\'' or '‘' or '’' => '\'',
                _ => null,
            };
            if (closing is null) current.Append(c);
        }
        if (closing is not null)
            return (words, $"a quote ({closing}) is not closed; close it or remove it.");
        if (inWord) words.Add(current.ToString());
        return (words, null);
    }
}
