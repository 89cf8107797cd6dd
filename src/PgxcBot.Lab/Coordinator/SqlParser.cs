using System.Globalization;

namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// Recursive-descent parser for the statements in <see cref="SqlSyntax"/>. Errors are worded like
/// PostgreSQL's ("syntax error at or near ...") or say plainly that the simulator does not support a
/// statement. As in Postgres-XL, <c>node</c> is a reserved word and cannot be a column alias.
/// </summary>
internal sealed class SqlParser
{
    static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "from", "where", "order", "group", "having", "limit", "offset", "union", "as", "and", "or", "not",
        "select", "on", "into", "node", "is", "in", "null", "asc", "desc", "by",
    };

    readonly IReadOnlyList<SqlToken> _tokens;
    int _pos;

    SqlParser(IReadOnlyList<SqlToken> tokens) => _tokens = tokens;

    public static SqlStatement Parse(SqlStatementText statement) => new SqlParser(statement.Tokens).ParseStatement();

    SqlToken? Peek(int ahead = 0) => _pos + ahead < _tokens.Count ? _tokens[_pos + ahead] : null;

    SqlToken Next() => Peek() is { } t ? _tokens[_pos++] : throw SimulatedPgException.SyntaxAtEnd();

    bool AcceptWord(string word)
    {
        if (Peek()?.IsWord(word) != true) return false;
        _pos++;
        return true;
    }

    bool AcceptSymbol(string symbol)
    {
        if (Peek()?.IsSymbol(symbol) != true) return false;
        _pos++;
        return true;
    }

    void ExpectWord(string word)
    {
        if (!AcceptWord(word)) throw Unexpected();
    }

    void ExpectSymbol(string symbol)
    {
        if (!AcceptSymbol(symbol)) throw Unexpected();
    }

    SimulatedPgException Unexpected() =>
        Peek() is { } t ? SimulatedPgException.Syntax(t.Display) : SimulatedPgException.SyntaxAtEnd();

    void ExpectEnd()
    {
        if (Peek() is not null) throw Unexpected();
    }

    string ParseName()
    {
        var t = Next();
        if (t.Kind is SqlTokenKind.Identifier or SqlTokenKind.QuotedIdentifier) return t.Value;
        _pos--;
        throw Unexpected();
    }

    SqlStatement ParseStatement()
    {
        var first = Next();
        if (first.Kind != SqlTokenKind.Identifier) { _pos--; throw Unexpected(); }
        switch (first.Value)
        {
            case "begin" or "start":
                if (first.Value == "start") ExpectWord("transaction");
                SkipRest(); // isolation level etc.: accepted and ignored
                return new TransactionStatement(TransactionVerb.Begin);
            case "commit" or "end":
                AcceptWord("work"); AcceptWord("transaction"); ExpectEnd();
                return new TransactionStatement(TransactionVerb.Commit);
            case "rollback" or "abort":
                AcceptWord("work"); AcceptWord("transaction"); ExpectEnd();
                return new TransactionStatement(TransactionVerb.Rollback);
            case "show":
                var name = ParseName();
                while (AcceptSymbol(".")) name += "." + ParseName();
                ExpectEnd();
                return new ShowStatement(name);
            case "set":
                return ParseSet();
            case "discard" or "reset" or "unlisten" or "deallocate":
                SkipRest();
                return new NoOpStatement(first.Value == "discard" ? "DISCARD ALL" : first.Value.ToUpperInvariant());
            case "select":
                return ParseSelect();
            case "create" or "alter" or "drop":
                if (!AcceptWord("node"))
                    throw SimulatedPgException.NotSupported($"{first.Value.ToUpperInvariant()} {Peek()?.Value.ToUpperInvariant()}".TrimEnd());
                return ParseNodeDdl(first.Value switch
                {
                    "create" => NodeDdlKind.Create,
                    "alter" => NodeDdlKind.Alter,
                    _ => NodeDdlKind.Drop,
                });
            case "execute":
                return ParseExecuteDirect();
            default:
                throw SimulatedPgException.NotSupported($"the statement {first.Value.ToUpperInvariant()}");
        }
    }

    void SkipRest() => _pos = _tokens.Count;

    SqlStatement ParseSet()
    {
        AcceptWord("session"); AcceptWord("local");
        var name = ParseName();
        if (!AcceptSymbol("=")) ExpectWord("to");
        var parts = new List<string>();
        while (Peek() is { } t) { parts.Add(t.Value); _pos++; }
        if (parts.Count == 0) throw SimulatedPgException.SyntaxAtEnd();
        return new SetStatement(name, string.Join(" ", parts.Where(p => p != ",")));
    }

    SqlStatement ParseExecuteDirect()
    {
        ExpectWord("direct");
        ExpectWord("on");
        ExpectSymbol("(");
        var node = ParseName();
        if (AcceptSymbol(",")) throw SimulatedPgException.NotSupported("EXECUTE DIRECT on several nodes");
        ExpectSymbol(")");
        var sql = Next();
        if (sql.Kind != SqlTokenKind.String) { _pos--; throw Unexpected(); }
        ExpectEnd();
        return new ExecuteDirectStatement(node, sql.Value);
    }

    SqlStatement ParseNodeDdl(NodeDdlKind kind)
    {
        var name = ParseName();
        var options = new List<NodeOption>();
        if (kind != NodeDdlKind.Drop && AcceptWord("with"))
        {
            ExpectSymbol("(");
            do
            {
                var option = Next();
                if (option.Kind is not (SqlTokenKind.Identifier or SqlTokenKind.QuotedIdentifier)) { _pos--; throw Unexpected(); }
                string? value = null;
                if (AcceptSymbol("="))
                {
                    var v = Next();
                    if (v.Kind == SqlTokenKind.Symbol && v.Value is "-" or "+" && Peek()?.Kind == SqlTokenKind.Number)
                        value = v.Value + Next().Value;
                    else if (v.Kind == SqlTokenKind.Symbol || v.Kind == SqlTokenKind.Parameter) { _pos--; throw Unexpected(); }
                    else value = v.Value;
                }
                options.Add(new NodeOption(option.Value.ToLowerInvariant(), value));
            }
            while (AcceptSymbol(","));
            ExpectSymbol(")");
        }
        ExpectEnd();
        return new NodeDdlStatement(kind, name, options);
    }

    SqlStatement ParseSelect()
    {
        AcceptWord("all");
        var items = new List<SelectItem>();
        do items.Add(ParseSelectItem());
        while (AcceptSymbol(","));

        string? table = null, alias = null;
        var where = new List<SqlExpr>();
        var order = new List<OrderItem>();
        int? limit = null;
        if (AcceptWord("from"))
        {
            table = ParseName();
            if (AcceptSymbol(".")) table = ParseName(); // schema-qualified: pg_catalog.pgxc_node
            if (AcceptWord("as")) alias = ParseAlias();
            else if (Peek() is { Kind: SqlTokenKind.Identifier } a && !Reserved.Contains(a.Value)) alias = ParseAlias();
        }
        if (AcceptWord("where"))
        {
            do where.Add(ParseCondition());
            while (AcceptWord("and"));
            if (Peek()?.IsWord("or") == true) throw SimulatedPgException.NotSupported("OR in WHERE");
        }
        if (AcceptWord("order"))
        {
            ExpectWord("by");
            do
            {
                var expr = ParseExpr();
                var desc = AcceptWord("desc");
                if (!desc) AcceptWord("asc");
                order.Add(new OrderItem(expr, desc));
            }
            while (AcceptSymbol(","));
        }
        if (AcceptWord("limit"))
        {
            var n = Next();
            if (n.Kind != SqlTokenKind.Number || !int.TryParse(n.Value, CultureInfo.InvariantCulture, out var l)) { _pos--; throw Unexpected(); }
            limit = l;
        }
        if (Peek() is { } rest && rest.Kind == SqlTokenKind.Identifier && rest.Value is "group" or "having" or "union" or "offset" or "join")
            throw SimulatedPgException.NotSupported(rest.Value.ToUpperInvariant());
        ExpectEnd();
        return new SelectStatement(items, table, alias, where, order, limit);
    }

    SelectItem ParseSelectItem()
    {
        if (AcceptSymbol("*")) return new SelectItem(null, null);
        var expr = ParseExpr();
        string? alias = null;
        if (AcceptWord("as")) alias = ParseAlias();
        else if (Peek() is { } t && (t.Kind == SqlTokenKind.QuotedIdentifier || (t.Kind == SqlTokenKind.Identifier && (!Reserved.Contains(t.Value) || t.Value == "node"))))
            alias = ParseAlias();
        return new SelectItem(expr, alias);
    }

    string ParseAlias()
    {
        var t = Next();
        if (t.Kind == SqlTokenKind.QuotedIdentifier || (t.Kind == SqlTokenKind.Identifier && !Reserved.Contains(t.Value))) return t.Value;
        _pos--;
        throw Unexpected(); // e.g. "AS node": node is reserved in Postgres-XL
    }

    SqlExpr ParseCondition()
    {
        var left = ParseExpr();
        if (AcceptWord("is"))
        {
            var negated = AcceptWord("not");
            ExpectWord("null");
            return new IsNullExpr(left, negated);
        }
        var notIn = AcceptWord("not");
        if (AcceptWord("in"))
        {
            ExpectSymbol("(");
            var items = new List<SqlExpr>();
            do items.Add(ParseExpr());
            while (AcceptSymbol(","));
            ExpectSymbol(")");
            return new InExpr(left, items, notIn);
        }
        if (notIn) throw Unexpected();
        var op = Next();
        if (op.Kind != SqlTokenKind.Symbol || op.Value is not ("=" or "<>" or "!=" or "<" or ">" or "<=" or ">=")) { _pos--; throw Unexpected(); }
        return new CompareExpr(left, op.Value == "!=" ? "<>" : op.Value, ParseExpr());
    }

    SqlExpr ParseExpr()
    {
        var expr = ParsePrimary();
        while (AcceptSymbol("::")) expr = new CastExpr(expr, ParseTypeName());
        return expr;
    }

    string ParseTypeName()
    {
        var t = Next();
        if (t.Kind == SqlTokenKind.QuotedIdentifier) return t.Value == "char" ? "\"char\"" : t.Value;
        if (t.Kind != SqlTokenKind.Identifier) { _pos--; throw Unexpected(); }
        var name = t.Value;
        if (AcceptSymbol(".")) name = ParseTypeName(); // pg_catalog.text
        if (name == "character" && AcceptWord("varying")) name = "varchar";
        if (name == "double" && AcceptWord("precision")) name = "float8";
        return name;
    }

    SqlExpr ParsePrimary()
    {
        var t = Next();
        switch (t.Kind)
        {
            case SqlTokenKind.String:
                return new LiteralExpr(t.Value);
            case SqlTokenKind.Number:
                if (int.TryParse(t.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var i)) return new LiteralExpr(i);
                if (long.TryParse(t.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var l)) return new LiteralExpr(l);
                if (double.TryParse(t.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return new LiteralExpr(d);
                break;
            case SqlTokenKind.Parameter:
                return new ParamExpr(int.Parse(t.Value, CultureInfo.InvariantCulture));
            case SqlTokenKind.Symbol when t.Value == "(":
                var inner = ParseExpr();
                ExpectSymbol(")");
                return inner;
            case SqlTokenKind.Symbol when t.Value == "-" && Peek()?.Kind == SqlTokenKind.Number:
                return ParsePrimary() switch
                {
                    LiteralExpr { Value: int n } => new LiteralExpr(-n),
                    LiteralExpr { Value: long n } => new LiteralExpr(-n),
                    LiteralExpr { Value: double n } => new LiteralExpr(-n),
                    _ => throw SimulatedPgException.Syntax("-"),
                };
            case SqlTokenKind.QuotedIdentifier:
                return ParseColumnRest(t.Value);
            case SqlTokenKind.Identifier when Reserved.Contains(t.Value) && t.Value != "null":
                break;
            case SqlTokenKind.Identifier:
                switch (t.Value)
                {
                    case "true": return new LiteralExpr(true);
                    case "false": return new LiteralExpr(false);
                    case "null": return new LiteralExpr(null);
                    case "current_user" or "session_user" or "user" or "current_catalog":
                        return new FuncExpr(t.Value, [], false);
                }
                if (AcceptSymbol("("))
                {
                    if (AcceptSymbol("*")) { ExpectSymbol(")"); return new FuncExpr(t.Value, [], true); }
                    var args = new List<SqlExpr>();
                    if (!AcceptSymbol(")"))
                    {
                        do args.Add(ParseExpr());
                        while (AcceptSymbol(","));
                        ExpectSymbol(")");
                    }
                    return new FuncExpr(t.Value, args, false);
                }
                return ParseColumnRest(t.Value);
        }
        _pos--;
        throw Unexpected();
    }

    SqlExpr ParseColumnRest(string first)
    {
        if (!AcceptSymbol(".")) return new ColumnExpr(null, first);
        if (AcceptSymbol("*")) throw SimulatedPgException.NotSupported("qualified *");
        return new ColumnExpr(first, ParseName());
    }
}
