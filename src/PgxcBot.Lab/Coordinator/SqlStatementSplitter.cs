namespace PgxcBot.Lab.Coordinator;

/// <summary>One statement of a query string: its verbatim text and its tokens.</summary>
internal sealed record SqlStatementText(string Text, IReadOnlyList<SqlToken> Tokens);

/// <summary>
/// Splits a simple-query string at top-level semicolons, as PostgreSQL does for a multi-statement
/// Query message. Empty statements (";;") are dropped.
/// </summary>
internal static class SqlStatementSplitter
{
    public static List<SqlStatementText> Split(string sql)
    {
        var all = SqlLexer.Tokenize(sql);
        var result = new List<SqlStatementText>();
        var current = new List<SqlToken>();
        foreach (var token in all.Append(null))
        {
            if (token is null || token.IsSymbol(";"))
            {
                if (current.Count > 0)
                {
                    var text = sql[current[0].Start..current[^1].End];
                    result.Add(new SqlStatementText(text, Rebase(current, current[0].Start)));
                    current = [];
                }
                continue;
            }
            current.Add(token);
        }
        return result;
    }

    static List<SqlToken> Rebase(List<SqlToken> tokens, int offset) =>
        tokens.Select(t => t with { Start = t.Start - offset, End = t.End - offset }).ToList();
}
