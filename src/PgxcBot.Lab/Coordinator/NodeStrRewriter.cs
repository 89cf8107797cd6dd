using System.Text;

namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// Plain PostgreSQL has no <c>pgxc_node_str()</c>: before relaying, each call (outside string literals)
/// becomes the target node's name as a text literal, keeping the column name <c>pgxc_node_str</c> that a
/// real datanode gives it, also under casts (<c>pgxc_node_str()::text</c> is still named pgxc_node_str
/// on Postgres-XC and XL, measured by the coordinator contract tests).
/// </summary>
internal static class NodeStrRewriter
{
    static readonly HashSet<string> ClauseWords = new(StringComparer.Ordinal) { "from", "where", "order", "group", "limit", "union" };

    /// <summary>Type names of two words; every other type name is one word.</summary>
    static readonly Dictionary<string, string> SecondTypeWord = new(StringComparer.Ordinal) { ["double"] = "precision", ["character"] = "varying" };

    public static string Rewrite(string sql, string nodeName)
    {
        var tokens = SqlLexer.Tokenize(sql);
        var sb = new StringBuilder();
        var copied = 0;
        for (var i = 0; i + 2 < tokens.Count; i++)
        {
            if (!tokens[i].IsWord("pgxc_node_str") || !tokens[i + 1].IsSymbol("(") || !tokens[i + 2].IsSymbol(")")) continue;
            sb.Append(sql, copied, tokens[i].Start - copied);
            sb.Append('\'').Append(nodeName.Replace("'", "''", StringComparison.Ordinal)).Append("'::text");
            copied = tokens[i + 2].End;
            var last = SkipCasts(tokens, i + 2);
            var next = last + 1 < tokens.Count ? tokens[last + 1] : null;
            if (next is null || next.IsSymbol(",") || next.IsSymbol(";") ||
                (next.Kind == SqlTokenKind.Identifier && ClauseWords.Contains(next.Value)))
            {
                // The casts stay as written; the alias goes after them, where PostgreSQL would name the column.
                sb.Append(sql, copied, tokens[last].End - copied).Append(" AS pgxc_node_str");
                copied = tokens[last].End;
            }
            i = last;
        }
        sb.Append(sql, copied, sql.Length - copied);
        return sb.ToString();
    }

    /// <summary>The index of the last token of the casts (<c>::type</c>, <c>::varchar(10)</c>, <c>::text[]</c>)
    /// that follow token <paramref name="end"/>, or <paramref name="end"/> when none does.</summary>
    static int SkipCasts(List<SqlToken> tokens, int end)
    {
        while (end + 2 < tokens.Count && tokens[end + 1].IsSymbol("::") && tokens[end + 2].Kind is SqlTokenKind.Identifier or SqlTokenKind.QuotedIdentifier)
        {
            end += 2;
            if (SecondTypeWord.TryGetValue(tokens[end].Value, out var second) && end + 1 < tokens.Count && tokens[end + 1].IsWord(second)) end++;
            if (end + 1 < tokens.Count && tokens[end + 1].IsSymbol("("))
            {
                var close = tokens.FindIndex(end + 1, t => t.IsSymbol(")"));
                if (close < 0) return end;
                end = close;
            }
            while (end + 2 < tokens.Count && tokens[end + 1].IsSymbol("[") && tokens[end + 2].IsSymbol("]")) end += 2;
        }
        return end;
    }
}
