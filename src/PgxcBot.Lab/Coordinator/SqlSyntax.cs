namespace PgxcBot.Lab.Coordinator;

// The statements and expressions the simulator understands. Deliberately small: anything outside this
// grammar is rejected with a message that says the simulator does not support it.

internal abstract record SqlStatement;

internal enum TransactionVerb { Begin, Commit, Rollback }

internal sealed record TransactionStatement(TransactionVerb Verb) : SqlStatement;

internal sealed record ShowStatement(string Name) : SqlStatement;

internal sealed record SetStatement(string Name, string Value) : SqlStatement;

/// <summary>Session-reset commands Npgsql may send (DISCARD ALL, ...): accepted, nothing to reset.</summary>
internal sealed record NoOpStatement(string Tag) : SqlStatement;

internal sealed record SelectItem(SqlExpr? Expr, string? Alias)
{
    public bool IsStar => Expr is null;
}

internal sealed record OrderItem(SqlExpr Expr, bool Descending);

internal sealed record SelectStatement(
    IReadOnlyList<SelectItem> Items,
    string? FromTable,
    string? FromAlias,
    IReadOnlyList<SqlExpr> Where,
    IReadOnlyList<OrderItem> OrderBy,
    int? Limit) : SqlStatement;

internal enum NodeDdlKind { Create, Alter, Drop }

/// <summary>One <c>WITH (...)</c> option of CREATE/ALTER NODE; <see cref="Value"/> null when given bare (PRIMARY).</summary>
internal sealed record NodeOption(string Name, string? Value);

internal sealed record NodeDdlStatement(NodeDdlKind Kind, string NodeName, IReadOnlyList<NodeOption> Options) : SqlStatement;

internal sealed record ExecuteDirectStatement(string NodeName, string Sql) : SqlStatement;

internal abstract record SqlExpr;

internal sealed record LiteralExpr(object? Value) : SqlExpr;

internal sealed record ParamExpr(int Number) : SqlExpr;

internal sealed record ColumnExpr(string? Qualifier, string Name) : SqlExpr;

internal sealed record FuncExpr(string Name, IReadOnlyList<SqlExpr> Args, bool Star) : SqlExpr;

internal sealed record CastExpr(SqlExpr Inner, string TypeName) : SqlExpr;

internal sealed record CompareExpr(SqlExpr Left, string Op, SqlExpr Right) : SqlExpr;

internal sealed record InExpr(SqlExpr Left, IReadOnlyList<SqlExpr> Items, bool Negated) : SqlExpr;

internal sealed record IsNullExpr(SqlExpr Inner, bool Negated) : SqlExpr;
