using System.Globalization;
using System.Text;

namespace PgxcBot.Core.Assessment;

/// <summary>How the synchronous standbys are chosen among the listed names.</summary>
public enum SyncMethod
{
    /// <summary><c>FIRST n (...)</c>, <c>n (...)</c> or a plain list (= FIRST 1): the n connected standbys
    /// earliest in the list are synchronous, and every commit waits for all of them.</summary>
    First,
    /// <summary><c>ANY n (...)</c>: every commit waits for any n of the listed standbys (quorum).</summary>
    Any,
}

/// <summary>
/// synchronous_standby_names parsed the way PostgreSQL parses it (syncrep_gram.y / syncrep_scanner.l;
/// documentation "synchronous_standby_names"): a plain list <c>a, b</c> (= FIRST 1), <c>n (a, b)</c>
/// (= FIRST n, 9.6), <c>FIRST n (a, b)</c> and <c>ANY n (a, b)</c> (10), names as identifiers, numbers or
/// double-quoted strings (<c>""</c> inside quotes is one quote), and <c>*</c> for any standby. Standby
/// names compare with application_name case-insensitively, quoted or not (syncrep.c uses pg_strcasecmp).
/// </summary>
/// <param name="Raw">The setting as the server reported it.</param>
/// <param name="Method">FIRST or ANY.</param>
/// <param name="Required">How many standbys must confirm each commit (n); 0 when nothing is configured.</param>
/// <param name="Names">The listed names in priority order, quotes removed.</param>
/// <param name="Error">Why the text could not be parsed; the server would have refused it, so seeing it
/// means the bot's parser and the server disagree: treat the requirement as unknown.</param>
public sealed record SyncStandbyNames(string Raw, SyncMethod Method, int Required, IReadOnlyList<string> Names, string? Error = null)
{
    /// <summary>True when the setting makes commits wait for at least one standby.</summary>
    public bool IsConfigured => Required > 0 && Names.Count > 0;

    /// <summary>True when the text parsed.</summary>
    public bool IsValid => Error is null;

    /// <summary>True when a standby called <paramref name="applicationName"/> is listed (or the list has <c>*</c>).</summary>
    public bool Includes(string applicationName) => Priority(applicationName) is not null;

    /// <summary>1-based position of the first entry that matches <paramref name="applicationName"/>; null when none does.</summary>
    public int? Priority(string applicationName)
    {
        for (var i = 0; i < Names.Count; i++)
        {
            if (Names[i] == "*" || string.Equals(Names[i], applicationName, StringComparison.OrdinalIgnoreCase)) return i + 1;
        }
        return null;
    }

    /// <summary>The rule in words, for messages: "FIRST 1 of (datanode1_slave)".</summary>
    public string Describe() => !IsValid ? $"'{Raw}' (not understood: {Error})"
        : !IsConfigured ? "no synchronous standby"
        : $"{(Method == SyncMethod.First ? "FIRST" : "ANY")} {Required.ToString(CultureInfo.InvariantCulture)} of ({string.Join(", ", Names)})";

    public static SyncStandbyNames None { get; } = new("", SyncMethod.First, 0, []);

    /// <summary>Parses the setting. Never throws: a text PostgreSQL would refuse comes back with <see cref="Error"/> set.</summary>
    public static SyncStandbyNames Parse(string? raw)
    {
        var text = (raw ?? "").Trim();
        if (text.Length == 0) return None with { Raw = "" };
        if (!Tokenize(text, out var tokens, out var error)) return Invalid(text, error!);

        var position = 0;
        var method = SyncMethod.First;
        int required;
        IReadOnlyList<string> names;
        var keyword = tokens[0].Kind == TokenKind.Name && !tokens[0].Quoted ? tokens[0].Text.ToUpperInvariant() : null;
        if ((keyword is "FIRST" or "ANY") && tokens.Count > 1 && tokens[1].Kind == TokenKind.Number)
        {
            method = keyword == "ANY" ? SyncMethod.Any : SyncMethod.First;
            required = tokens[1].Number;
            position = 2;
            if (!ParseParenthesised(tokens, ref position, out names, out error)) return Invalid(text, error!);
        }
        else if (tokens[0].Kind == TokenKind.Number && tokens.Count > 1 && tokens[1].Kind == TokenKind.Open)
        {
            required = tokens[0].Number;
            position = 1;
            if (!ParseParenthesised(tokens, ref position, out names, out error)) return Invalid(text, error!);
        }
        else
        {
            required = 1;
            if (!ParseList(tokens, ref position, out names, out error)) return Invalid(text, error!);
        }
        if (position != tokens.Count) return Invalid(text, $"unexpected '{tokens[position].Text}' after the list");
        if (required < 1) return Invalid(text, "the number of synchronous standbys must be at least 1");
        if (method == SyncMethod.First && required > names.Count)
            return Invalid(text, $"{required} synchronous standbys are required but only {names.Count} are listed");
        return new SyncStandbyNames(text, method, required, names);
    }

    private static SyncStandbyNames Invalid(string text, string error) => new(text, SyncMethod.First, 0, [], error);

    private static bool ParseParenthesised(List<Token> tokens, ref int position, out IReadOnlyList<string> names, out string? error)
    {
        names = [];
        if (position >= tokens.Count || tokens[position].Kind != TokenKind.Open) { error = "expected '(' before the list of names"; return false; }
        position++;
        if (!ParseList(tokens, ref position, out names, out error)) return false;
        if (position >= tokens.Count || tokens[position].Kind != TokenKind.Close) { error = "expected ')' after the list of names"; return false; }
        position++;
        return true;
    }

    private static bool ParseList(List<Token> tokens, ref int position, out IReadOnlyList<string> names, out string? error)
    {
        var list = new List<string>();
        names = list;
        while (true)
        {
            if (position >= tokens.Count || tokens[position].Kind is not (TokenKind.Name or TokenKind.Number or TokenKind.Star))
            {
                error = position >= tokens.Count ? "the list ends where a name was expected" : $"expected a name, found '{tokens[position].Text}'";
                return false;
            }
            list.Add(tokens[position].Text);
            position++;
            if (position < tokens.Count && tokens[position].Kind == TokenKind.Comma) { position++; continue; }
            error = null;
            return true;
        }
    }

    private enum TokenKind { Name, Number, Star, Open, Close, Comma }

    private sealed record Token(TokenKind Kind, string Text, bool Quoted = false)
    {
        public int Number => int.TryParse(Text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
    }

    private static bool Tokenize(string text, out List<Token> tokens, out string? error)
    {
        tokens = [];
        error = null;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            switch (c)
            {
                case '(': tokens.Add(new Token(TokenKind.Open, "(")); i++; continue;
                case ')': tokens.Add(new Token(TokenKind.Close, ")")); i++; continue;
                case ',': tokens.Add(new Token(TokenKind.Comma, ",")); i++; continue;
                case '*': tokens.Add(new Token(TokenKind.Star, "*")); i++; continue;
                case '"':
                {
                    var name = new StringBuilder();
                    i++;
                    while (true)
                    {
                        if (i >= text.Length) { error = "a double-quoted name is not closed"; return false; }
                        if (text[i] == '"')
                        {
                            if (i + 1 < text.Length && text[i + 1] == '"') { name.Append('"'); i += 2; continue; }
                            i++;
                            break;
                        }
                        name.Append(text[i++]);
                    }
                    if (name.Length == 0) { error = "a double-quoted name is empty"; return false; }
                    tokens.Add(new Token(TokenKind.Name, name.ToString(), Quoted: true));
                    continue;
                }
            }
            if (char.IsAsciiDigit(c))
            {
                var start = i;
                while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                // "1abc" is not a number followed by a name: PostgreSQL's scanner reads digits then letters as an error.
                if (i < text.Length && IsNamePart(text[i])) { error = $"'{text[start..(i + 1)]}…' is neither a number nor a name"; return false; }
                tokens.Add(new Token(TokenKind.Number, text[start..i]));
                continue;
            }
            if (IsNameStart(c))
            {
                var start = i;
                while (i < text.Length && IsNamePart(text[i])) i++;
                tokens.Add(new Token(TokenKind.Name, text[start..i]));
                continue;
            }
            error = $"unexpected character '{c}'";
            return false;
        }
        if (tokens.Count == 0) error = "no names";
        return error is null;
    }

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_' || c >= '\u0080';

    private static bool IsNamePart(char c) => IsNameStart(c) || char.IsAsciiDigit(c) || c == '$';
}
