namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// Evaluates a <see cref="SelectStatement"/>: expressions without FROM (SELECT 1, version(),
/// pgxc_pool_reload(), ...) or over <c>pgxc_node</c> with WHERE (AND of comparisons), ORDER BY and
/// LIMIT. Unknown columns and functions fail as PostgreSQL words it.
/// </summary>
internal sealed class SelectEvaluator(IEvaluationContext? context, IReadOnlyList<object?> parameters)
{
    IEvaluationContext Context => context ?? throw new InvalidOperationException("This evaluator only describes columns.");

    static readonly ResultColumn[] NodeColumns =
    [
        new("node_name", PgTypes.Name), new("node_type", PgTypes.Char), new("node_port", PgTypes.Int4),
        new("node_host", PgTypes.Name), new("nodeis_primary", PgTypes.Bool), new("nodeis_preferred", PgTypes.Bool),
        new("node_id", PgTypes.Int4),
    ];

    /// <summary>Functions that only exist on a Postgres-XC/XL server (EXECUTE DIRECT emulates these).</summary>
    public static bool NeedsXcCatalog(SelectStatement select) =>
        select.FromTable is not null || select.Items.Any(i => i.Expr is { } e && UsesXcFunction(e)) ||
        select.Where.Any(UsesXcFunction);

    static bool UsesXcFunction(SqlExpr expr) => expr switch
    {
        FuncExpr f => f.Name is "pgxc_pool_reload" or "pgxc_pool_check" || f.Args.Any(UsesXcFunction),
        CastExpr c => UsesXcFunction(c.Inner),
        CompareExpr c => UsesXcFunction(c.Left) || UsesXcFunction(c.Right),
        _ => false,
    };

    /// <summary>The result columns of <paramref name="select"/> without running it (Describe of a prepared statement).</summary>
    public static IReadOnlyList<ResultColumn> DescribeColumns(SelectStatement select)
    {
        var describer = new SelectEvaluator(null, []);
        var from = select.FromTable is null ? null : select;
        if (from is not null && select.FromTable != "pgxc_node")
            throw SimulatedPgException.NotSupported($"reading relation \"{select.FromTable}\" (only pgxc_node)");
        return select.Items
            .SelectMany(i => i.IsStar && from is not null ? NodeColumns.Select(c => new SelectItem(new ColumnExpr(null, c.Name), null)) : [i])
            .Select(i => i.IsStar
                ? throw new SimulatedPgException("42601", "SELECT * with no tables specified is not valid")
                : describer.Describe(i.Expr!, i.Alias, from))
            .ToArray();
    }

    public StatementResult Evaluate(SelectStatement select)
    {
        if (select.FromTable is null)
        {
            if (select.Items.Any(i => i.IsStar)) throw new SimulatedPgException("42601", "SELECT * with no tables specified is not valid");
            if (select.Where.Count > 0 || select.OrderBy.Count > 0)
                throw SimulatedPgException.NotSupported("WHERE/ORDER BY without FROM");
            var columns = select.Items.Select(i => Describe(i.Expr!, i.Alias, null)).ToArray();
            var row = select.Items.Select(i => Eval(i.Expr!, null)).ToArray();
            return StatementResult.Select(columns, select.Limit == 0 ? [] : [row]);
        }
        if (select.FromTable != "pgxc_node")
            throw SimulatedPgException.NotSupported($"reading relation \"{select.FromTable}\" (only pgxc_node)");
        return EvaluateOverNodes(select);
    }

    StatementResult EvaluateOverNodes(SelectStatement select)
    {
        var rows = Context.NodeRows().Select(ToValues).Where(r => select.Where.All(w => Eval(w, r, select) is true)).ToList();
        if (select.OrderBy.Count > 0)
        {
            var comparer = Comparer<object?[]>.Create((a, b) =>
            {
                foreach (var o in select.OrderBy)
                {
                    var expr = o.Expr is LiteralExpr { Value: int n } ? ColumnOfPosition(select, n) : o.Expr;
                    var c = CompareValues(Eval(expr, a, select), Eval(expr, b, select));
                    if (c != 0) return o.Descending ? -c : c;
                }
                return 0;
            });
            rows = rows.Order(comparer).ToList();
        }
        if (select.Limit is { } limit) rows = rows.Take(limit).ToList();

        var aggregate = select.Items.Any(i => i.Expr is FuncExpr { Name: "count" });
        if (aggregate)
        {
            if (select.Items.Any(i => i.Expr is ColumnExpr or null))
                throw new SimulatedPgException("42803", "column must appear in the GROUP BY clause or be used in an aggregate function");
            var columns = select.Items.Select(i => Describe(i.Expr!, i.Alias, select)).ToArray();
            var row = select.Items.Select(i => i.Expr is FuncExpr { Name: "count" } ? (object)(long)rows.Count : Eval(i.Expr!, null, select)).ToArray();
            return StatementResult.Select(columns, [row]);
        }

        var items = select.Items.SelectMany(i => i.IsStar
            ? NodeColumns.Select(c => new SelectItem(new ColumnExpr(null, c.Name), null))
            : [i]).ToArray();
        var described = items.Select(i => Describe(i.Expr!, i.Alias, select)).ToArray();
        var projected = rows.Select(r => items.Select(i => Eval(i.Expr!, r, select)).ToArray()).ToArray();
        return StatementResult.Select(described, projected);
    }

    static SqlExpr ColumnOfPosition(SelectStatement select, int position) =>
        position >= 1 && position <= select.Items.Count && select.Items[position - 1].Expr is { } e
            ? e
            : throw new SimulatedPgException("42P10", $"ORDER BY position {position} is not in select list");

    static object?[] ToValues(PgxcNodeRow r) =>
        [r.NodeName, r.NodeType, r.NodePort, r.NodeHost, r.NodeIsPrimary, r.NodeIsPreferred, r.NodeId];

    ResultColumn Describe(SqlExpr expr, string? alias, SelectStatement? from)
    {
        var (name, oid) = TypeOf(expr, from);
        return new ResultColumn(alias ?? name, oid);
    }

    (string Name, uint Oid) TypeOf(SqlExpr expr, SelectStatement? from) => expr switch
    {
        LiteralExpr l => ("?column?", l.Value is null ? PgTypes.Text : PgTypes.OidOf(l.Value)),
        ParamExpr p => ("?column?", p.Number <= parameters.Count ? PgTypes.OidOf(Parameter(p.Number)) : PgTypes.Text),
        ColumnExpr c => ("" + c.Name, NodeColumns[ColumnIndex(c, from)].TypeOid),
        CastExpr c => (c.Inner is LiteralExpr or ParamExpr ? PgTypes.FromName(c.TypeName).ColumnName : TypeOf(c.Inner, from).Name,
            PgTypes.FromName(c.TypeName).Oid),
        FuncExpr f => (f.Name, FunctionType(f.Name)),
        _ => ("?column?", PgTypes.Bool),
    };

    static uint FunctionType(string name) => name switch
    {
        "version" => PgTypes.Text,
        "pgxc_pool_reload" or "pgxc_pool_check" or "pg_is_in_recovery" => PgTypes.Bool,
        "pgxc_node_str" or "current_user" or "session_user" or "user" or "current_database" or "current_catalog" => PgTypes.Name,
        "inet_server_port" or "pg_backend_pid" => PgTypes.Int4,
        "count" => PgTypes.Int8,
        _ => throw new SimulatedPgException("42883", $"function {name}() does not exist",
            "The Postgres-XC coordinator simulator knows only a few functions."),
    };

    object? Parameter(int number) =>
        number >= 1 && number <= parameters.Count
            ? parameters[number - 1]
            : throw new SimulatedPgException("42P02", $"there is no parameter ${number}");

    static int ColumnIndex(ColumnExpr c, SelectStatement? from)
    {
        if (from is null) throw new SimulatedPgException("42703", $"column \"{c.Name}\" does not exist");
        if (c.Qualifier is { } q && q != from.FromTable && q != from.FromAlias)
            throw new SimulatedPgException("42P01", $"missing FROM-clause entry for table \"{q}\"");
        var index = Array.FindIndex(NodeColumns, col => col.Name == c.Name);
        if (index < 0)
            throw new SimulatedPgException("42703",
                c.Qualifier is null ? $"column \"{c.Name}\" does not exist" : $"column {c.Qualifier}.{c.Name} does not exist");
        return index;
    }

    object? Eval(SqlExpr expr, object?[]? row, SelectStatement? from = null) => expr switch
    {
        LiteralExpr l => l.Value,
        ParamExpr p => Parameter(p.Number),
        ColumnExpr c => row is null ? throw new SimulatedPgException("42703", $"column \"{c.Name}\" does not exist") : row[ColumnIndex(c, from)],
        CastExpr c => PgTypes.Convert(Eval(c.Inner, row, from), PgTypes.FromName(c.TypeName).Oid),
        FuncExpr f => Call(f),
        CompareExpr c => Compare(Eval(c.Left, row, from), c.Op, Eval(c.Right, row, from)),
        InExpr i => Eval(i.Left, row, from) is { } v
            ? i.Items.Any(x => CompareValues(v, Eval(x, row, from)) == 0) != i.Negated
            : null,
        IsNullExpr n => (Eval(n.Inner, row, from) is null) != n.Negated,
        _ => throw SimulatedPgException.NotSupported("this expression"),
    };

    object? Call(FuncExpr f)
    {
        if (f.Args.Count > 0 || f.Star)
            throw new SimulatedPgException("42883", $"function {f.Name}({(f.Star ? "*" : "...")}) does not exist");
        return f.Name switch
        {
            "version" => Context.Version(),
            "pgxc_pool_reload" => Context.PoolReload(),
            "pgxc_pool_check" => Context.PoolCheck(),
            "pg_is_in_recovery" => Context.InRecovery(),
            "pgxc_node_str" => Context.NodeName,
            "current_user" or "session_user" or "user" => Context.User,
            "current_database" or "current_catalog" => Context.Database,
            "inet_server_port" => Context.Port,
            "pg_backend_pid" => Context.BackendPid,
            _ => throw new SimulatedPgException("42883", $"function {f.Name}() does not exist",
                "The Postgres-XC coordinator simulator knows only a few functions."),
        };
    }

    static object? Compare(object? left, string op, object? right)
    {
        if (left is null || right is null) return null;
        var c = CompareValues(left, right);
        return op switch
        {
            "=" => c == 0,
            "<>" => c != 0,
            "<" => c < 0,
            ">" => c > 0,
            "<=" => c <= 0,
            _ => c >= 0,
        };
    }

    /// <summary>Compares like PostgreSQL would after coercing an untyped literal to the other side's type.</summary>
    static int CompareValues(object? a, object? b)
    {
        if (a is null || b is null) return a is null ? (b is null ? 0 : 1) : -1; // NULLS LAST
        if (a is bool || b is bool)
            return ((bool)PgTypes.Convert(a, PgTypes.Bool)!).CompareTo((bool)PgTypes.Convert(b, PgTypes.Bool)!);
        if (IsNumber(a) || IsNumber(b))
        {
            var x = PgTypes.Convert(a, PgTypes.Float8);
            var y = PgTypes.Convert(b, PgTypes.Float8);
            return ((double)x!).CompareTo((double)y!);
        }
        return string.CompareOrdinal(PgTypes.ToText(a), PgTypes.ToText(b));
    }

    static bool IsNumber(object v) => v is short or int or long or uint or double or float;
}
