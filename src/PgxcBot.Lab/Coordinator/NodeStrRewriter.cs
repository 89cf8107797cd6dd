using System.Text;

namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// Plain PostgreSQL has no <c>pgxc_node_str()</c>: before relaying, each call (outside string literals)
/// becomes the target node's name as a text literal, keeping the column name <c>pgxc_node_str</c>.
/// </summary>
internal static class NodeStrRewriter
{
    static readonly HashSet<string> ClauseWords = new(StringComparer.Ordinal) { "from", "where", "order", "group", "limit", "union" };

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
            var next = i + 3 < tokens.Count ? tokens[i + 3] : null;
            if (next is null || next.IsSymbol(",") || next.IsSymbol(";") ||
                (next.Kind == SqlTokenKind.Identifier && ClauseWords.Contains(next.Value)))
                sb.Append(" AS pgxc_node_str");
            copied = tokens[i + 2].End;
            i += 2;
        }
        sb.Append(sql, copied, sql.Length - copied);
        return sb.ToString();
    }
}
