namespace PgxcBot.Lab.Coordinator;

internal enum SqlTokenKind { Identifier, QuotedIdentifier, String, Number, Parameter, Symbol }

/// <summary>
/// One lexical token. Unquoted identifiers are folded to lower case as PostgreSQL does; quoted ones keep
/// their case. <see cref="Start"/>/<see cref="End"/> index the original text so statements can be cut out
/// verbatim (for relaying and for the statement log).
/// </summary>
internal sealed record SqlToken(SqlTokenKind Kind, string Value, int Start, int End)
{
    public bool IsWord(string word) =>
        Kind == SqlTokenKind.Identifier && string.Equals(Value, word, StringComparison.Ordinal);

    public bool IsSymbol(string symbol) =>
        Kind == SqlTokenKind.Symbol && string.Equals(Value, symbol, StringComparison.Ordinal);

    /// <summary>How PostgreSQL quotes the token in "syntax error at or near" messages.</summary>
    public string Display => Kind switch
    {
        SqlTokenKind.String => "'" + Value.Replace("'", "''", StringComparison.Ordinal) + "'",
        SqlTokenKind.QuotedIdentifier => "\"" + Value + "\"",
        SqlTokenKind.Parameter => "$" + Value,
        _ => Value,
    };
}
