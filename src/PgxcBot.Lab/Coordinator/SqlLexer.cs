using System.Text;

namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// A small SQL lexer: identifiers, 'strings' ('' escapes), "quoted identifiers", numbers, $n parameters,
/// operators and punctuation. Comments (-- and /* */) are skipped, which matters because Npgsql's
/// type-loading batch contains comments with apostrophes.
/// </summary>
internal static class SqlLexer
{
    public static List<SqlToken> Tokenize(string sql)
    {
        var tokens = new List<SqlToken>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '-' && Peek(sql, i + 1) == '-')
            {
                while (i < sql.Length && sql[i] != '\n') i++;
                continue;
            }
            if (c == '/' && Peek(sql, i + 1) == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (end < 0) throw new SimulatedPgException("42601", "unterminated /* comment at or near \"" + sql[i..] + "\"");
                i = end + 2;
                continue;
            }
            var start = i;
            if (c == '\'' || ((c == 'e' || c == 'E') && Peek(sql, i + 1) == '\''))
            {
                if (c != '\'') i++;
                tokens.Add(new SqlToken(SqlTokenKind.String, ReadQuoted(sql, ref i, '\''), start, i));
            }
            else if (c == '"')
            {
                tokens.Add(new SqlToken(SqlTokenKind.QuotedIdentifier, ReadQuoted(sql, ref i, '"'), start, i));
            }
            else if (char.IsLetter(c) || c == '_')
            {
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_' || sql[i] == '$')) i++;
                tokens.Add(new SqlToken(SqlTokenKind.Identifier, sql[start..i].ToLowerInvariant(), start, i));
            }
            else if (char.IsDigit(c))
            {
                while (i < sql.Length && (char.IsDigit(sql[i]) || sql[i] == '.')) i++;
                tokens.Add(new SqlToken(SqlTokenKind.Number, sql[start..i], start, i));
            }
            else if (c == '$' && char.IsDigit(Peek(sql, i + 1)))
            {
                i++;
                while (i < sql.Length && char.IsDigit(sql[i])) i++;
                tokens.Add(new SqlToken(SqlTokenKind.Parameter, sql[(start + 1)..i], start, i));
            }
            else
            {
                var two = i + 1 < sql.Length ? sql.Substring(i, 2) : string.Empty;
                var symbol = two is "::" or "<>" or "!=" or "<=" or ">=" ? two : c.ToString();
                i += symbol.Length;
                tokens.Add(new SqlToken(SqlTokenKind.Symbol, symbol, start, i));
            }
        }
        return tokens;
    }

    static char Peek(string s, int i) => i < s.Length ? s[i] : '\0';

    static string ReadQuoted(string sql, ref int i, char quote)
    {
        var start = i;
        var sb = new StringBuilder();
        i++; // opening quote
        while (true)
        {
            if (i >= sql.Length)
            {
                var what = quote == '\'' ? "unterminated quoted string" : "unterminated quoted identifier";
                throw new SimulatedPgException("42601", $"{what} at or near \"{sql[start..]}\"");
            }
            if (sql[i] == quote)
            {
                if (Peek(sql, i + 1) == quote) { sb.Append(quote); i += 2; continue; }
                i++;
                return sb.ToString();
            }
            sb.Append(sql[i++]);
        }
    }
}
