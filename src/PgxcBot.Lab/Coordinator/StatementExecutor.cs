namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// Executes one statement for a session: transaction control, SHOW/SET, SELECT on the coordinator,
/// node DDL, and EXECUTE DIRECT (emulated on the target's own catalog for pgxc_node/pool statements,
/// relayed to the target's host:port otherwise). Warnings accumulate in <see cref="Notices"/>.
/// </summary>
internal sealed class StatementExecutor(SimulatorState state, SessionTransaction transaction, SessionInfo session, DatanodeRelay relay)
{
    public List<SimulatedNotice> Notices { get; } = [];

    public async Task<StatementResult> ExecuteAsync(SqlStatementText text, IReadOnlyList<object?> parameters, CancellationToken ct)
    {
        state.LogStatement(text.Text);
        if (transaction.Failed && !IsTransactionEnd(text))
            throw new SimulatedPgException("25P02", "current transaction is aborted, commands ignored until end of transaction block");
        if (NpgsqlTypeCatalog.TryAnswer(text.Text, out var typeResult)) return typeResult;

        var statement = SqlParser.Parse(text);
        return statement switch
        {
            TransactionStatement t => Transaction(t.Verb),
            ShowStatement s => Show(s.Name),
            SetStatement s => Set(s),
            NoOpStatement n => StatementResult.Command(n.Tag),
            SelectStatement s => new SelectEvaluator(Local(state.Coordinator, state.Port), parameters).Evaluate(s),
            NodeDdlStatement d => ApplyNodeDdl(state.Coordinator, d),
            ExecuteDirectStatement e => await ExecuteDirectAsync(e, ct).ConfigureAwait(false),
            _ => throw SimulatedPgException.NotSupported("this statement"),
        };
    }

    static bool IsTransactionEnd(SqlStatementText text) =>
        text.Tokens.Count > 0 && text.Tokens[0].Value is "commit" or "end" or "rollback" or "abort";

    NodeEvaluationContext Local(NodeCatalogState catalog, int port) => new(state, transaction, session, catalog, port);

    StatementResult Transaction(TransactionVerb verb)
    {
        switch (verb)
        {
            case TransactionVerb.Begin:
                if (transaction.Explicit) Notices.Add(new("WARNING", "25001", "there is already a transaction in progress"));
                transaction.BeginExplicit();
                return StatementResult.Command("BEGIN");
            case TransactionVerb.Commit:
                if (transaction.Failed)
                {
                    transaction.Rollback();
                    return StatementResult.Command("ROLLBACK");
                }
                if (!transaction.Explicit) Notices.Add(new("WARNING", "25P01", "there is no transaction in progress"));
                transaction.Commit();
                return StatementResult.Command("COMMIT");
            default:
                if (!transaction.Explicit) Notices.Add(new("WARNING", "25P01", "there is no transaction in progress"));
                transaction.Rollback();
                return StatementResult.Command("ROLLBACK");
        }
    }

    StatementResult Show(string name)
    {
        var value = name.ToLowerInvariant() switch
        {
            "server_version_num" => state.Options.ServerVersionNum.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "pgxc_node_name" => state.Options.NodeName,
            "transaction_isolation" => "read committed",
            "max_connections" => "100",
            "port" => state.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => session.Settings.TryGetValue(name, out var v)
                ? v
                : throw new SimulatedPgException("42704", $"unrecognized configuration parameter \"{name}\""),
        };
        return StatementResult.Select([new ResultColumn(name.ToLowerInvariant(), PgTypes.Text)], [[value]]);
    }

    StatementResult Set(SetStatement set)
    {
        session.Settings[set.Name] = set.Value;
        return StatementResult.Command("SET");
    }

    StatementResult ApplyNodeDdl(NodeCatalogState catalog, NodeDdlStatement ddl)
    {
        if (ddl.Kind == NodeDdlKind.Alter && state.Faults.TakeAlterNodeFailure(catalog.OwnerName) is { } fault)
            throw fault.ToException();
        var updated = NodeDdl.Apply(transaction.Read(catalog), ddl, catalog.OwnerName);
        transaction.Write(catalog, updated);
        return StatementResult.Command(ddl.Kind switch
        {
            NodeDdlKind.Create => "CREATE NODE",
            NodeDdlKind.Alter => "ALTER NODE",
            _ => "DROP NODE",
        });
    }

    async Task<StatementResult> ExecuteDirectAsync(ExecuteDirectStatement direct, CancellationToken ct)
    {
        var target = transaction.Read(state.Coordinator).Find(direct.NodeName)
            ?? throw new SimulatedPgException("42704", $"PGXC Node {direct.NodeName}: object not defined");
        var inner = SqlStatementSplitter.Split(direct.Sql);
        if (inner.Count != 1)
            throw SimulatedPgException.NotSupported(inner.Count == 0 ? "EXECUTE DIRECT with an empty query" : "EXECUTE DIRECT with several statements");

        if (target.NodeName == state.Options.NodeName)
        {
            if (SqlParser.Parse(inner[0]) is ExecuteDirectStatement)
                throw SimulatedPgException.NotSupported("EXECUTE DIRECT inside EXECUTE DIRECT");
            return await ExecuteAsync(inner[0], [], ct).ConfigureAwait(false);
        }

        var emulated = TryParseEmulated(inner[0]);
        if (emulated is null)
            return await relay.RunAsync(target, NodeStrRewriter.Rewrite(direct.Sql, target.NodeName), Notices, ct).ConfigureAwait(false);

        // The real datanode must be up for XL to run anything on it, emulated or not.
        await relay.ProbeAsync(target, Notices, ct).ConfigureAwait(false);
        var catalog = state.RemoteCatalog(target.NodeName);
        return emulated switch
        {
            NodeDdlStatement ddl => ApplyNodeDdl(catalog, ddl),
            SelectStatement select => new SelectEvaluator(Local(catalog, target.NodePort), []).Evaluate(select),
            _ => throw SimulatedPgException.NotSupported("this statement in EXECUTE DIRECT"),
        };
    }

    /// <summary>
    /// Statements that need the target's Postgres-XC catalog (which our plain-PostgreSQL datanodes lack).
    /// Returns null for anything to relay. A parse error is reported only if the text clearly is XC-only.
    /// </summary>
    static SqlStatement? TryParseEmulated(SqlStatementText text)
    {
        try
        {
            return SqlParser.Parse(text) switch
            {
                NodeDdlStatement ddl => ddl,
                SelectStatement s when SelectEvaluator.NeedsXcCatalog(s) && s.FromTable is null or "pgxc_node" => s,
                TransactionStatement => throw SimulatedPgException.NotSupported("transaction control in EXECUTE DIRECT"),
                _ => null,
            };
        }
        catch (SimulatedPgException) when (!LooksXcOnly(text.Text))
        {
            return null;
        }
    }

    static bool LooksXcOnly(string sql) =>
        sql.Contains("pgxc_node", StringComparison.OrdinalIgnoreCase) && !sql.Contains("pgxc_node_str", StringComparison.OrdinalIgnoreCase) ||
        sql.Contains("pgxc_pool_", StringComparison.OrdinalIgnoreCase) ||
        System.Text.RegularExpressions.Regex.IsMatch(sql, @"^\s*(create|alter|drop)\s+node\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
}
