using Microsoft.Extensions.Logging;

namespace PgxcBot.Lab.Coordinator;

// The query protocols: simple Query (one implicit transaction per message unless BEGIN) and the
// extended Parse/Bind/Describe/Execute/Sync cycle (one implicit transaction up to Sync).
internal sealed partial class SimulatorSession
{
    async Task SimpleQueryAsync(string sql, CancellationToken sessionToken)
    {
        using var cts = BeginStatement(sessionToken);
        try
        {
            await DelayAsync(cts.Token).ConfigureAwait(false);
            var statements = SqlStatementSplitter.Split(sql);
            if (statements.Count == 0) _writer.EmptyQueryResponse();
            foreach (var statement in statements)
            {
                var result = await _executor.ExecuteAsync(statement, [], cts.Token).ConfigureAwait(false);
                SendNotices();
                SendResult(result, _ => false, withDescription: true);
            }
            _transaction.EndOfImplicit();
        }
        catch (Exception e) when (ToError(e, sessionToken) is { Severity: not "FATAL" } error)
        {
            SendNotices();
            _writer.Error(error);
            _transaction.OnError();
        }
        finally
        {
            EndStatement();
        }
        _writer.ReadyForQuery(_transaction.Status);
        await _writer.FlushAsync(sessionToken).ConfigureAwait(false);
    }

    async Task ExtendedAsync(char type, MessageBody body, CancellationToken sessionToken)
    {
        if (type == 'S')
        {
            _skipUntilSync = false;
            if (!_transaction.Failed) _transaction.EndOfImplicit();
            if (!_transaction.Explicit) _portals.Clear();
            _writer.ReadyForQuery(_transaction.Status);
            await _writer.FlushAsync(sessionToken).ConfigureAwait(false);
            return;
        }
        if (_skipUntilSync) return;
        using var cts = BeginStatement(sessionToken);
        try
        {
            switch (type)
            {
                case 'P': Parse(body); break;
                case 'B': Bind(body); break;
                case 'D': await DescribeAsync(body, cts.Token).ConfigureAwait(false); break;
                case 'E': await ExecuteAsync(body, cts.Token).ConfigureAwait(false); break;
                case 'C': Close(body); break;
                case 'H': await _writer.FlushAsync(sessionToken).ConfigureAwait(false); break;
            }
        }
        catch (Exception e) when (ToError(e, sessionToken) is { Severity: not "FATAL" } error)
        {
            SendNotices();
            _writer.Error(error);
            _transaction.OnError();
            _skipUntilSync = true;
        }
        finally
        {
            EndStatement();
        }
    }

    void Parse(MessageBody body)
    {
        var name = body.ReadCString();
        var sql = body.ReadCString();
        var oids = new uint[body.ReadInt16()];
        for (var i = 0; i < oids.Length; i++) oids[i] = (uint)body.ReadInt32();
        var statements = SqlStatementSplitter.Split(sql);
        if (statements.Count > 1) throw new SimulatedPgException("42601", "cannot insert multiple commands into a prepared statement");
        _prepared[name] = new PreparedStatement(statements.FirstOrDefault(), oids);
        _writer.ParseComplete();
    }

    void Bind(MessageBody body)
    {
        var portalName = body.ReadCString();
        var statementName = body.ReadCString();
        var formats = new short[body.ReadInt16()];
        for (var i = 0; i < formats.Length; i++) formats[i] = body.ReadInt16();
        var prepared = Prepared(statementName);
        var values = new object?[body.ReadInt16()];
        for (var i = 0; i < values.Length; i++)
        {
            var length = body.ReadInt32();
            var data = length < 0 ? null : body.ReadBytes(length);
            var binary = formats.Length == 1 ? formats[0] == 1 : i < formats.Length && formats[i] == 1;
            var oid = i < prepared.ParameterOids.Length ? prepared.ParameterOids[i] : 0;
            values[i] = PgTypes.DecodeParameter(data, binary, oid);
        }
        var resultFormats = new short[body.ReadInt16()];
        for (var i = 0; i < resultFormats.Length; i++) resultFormats[i] = body.ReadInt16();
        _portals[portalName] = new Portal(prepared, values, resultFormats);
        _writer.BindComplete();
    }

    PreparedStatement Prepared(string name) => _prepared.TryGetValue(name, out var p)
        ? p
        : throw new SimulatedPgException("26000", $"prepared statement \"{name}\" does not exist");

    Portal PortalNamed(string name) => _portals.TryGetValue(name, out var p)
        ? p
        : throw new SimulatedPgException("34000", $"portal \"{name}\" does not exist");

    async Task DescribeAsync(MessageBody body, CancellationToken ct)
    {
        var kind = (char)body.ReadByte();
        var name = body.ReadCString();
        if (kind == 'S')
        {
            var prepared = Prepared(name);
            _writer.ParameterDescription(prepared.ParameterOids.Select(o => o == 0 ? PgTypes.Text : o).ToArray());
            var columns = prepared.Statement is { } s ? DescribeStatically(s) : null;
            if (columns is null) _writer.NoData();
            else _writer.RowDescription(columns, _ => false);
            return;
        }
        var portal = PortalNamed(name);
        var result = await RunPortalAsync(portal, ct).ConfigureAwait(false);
        if (result?.Columns is { } cols) _writer.RowDescription(cols, portal.Binary);
        else _writer.NoData();
    }

    /// <summary>Columns of a prepared statement without running it (only SELECT and SHOW can say).</summary>
    IReadOnlyList<ResultColumn>? DescribeStatically(SqlStatementText statement)
    {
        if (NpgsqlTypeCatalog.TryAnswer(statement.Text, out var typeResult)) return typeResult.Columns;
        return SqlParser.Parse(statement) switch
        {
            SelectStatement select => SelectEvaluator.DescribeColumns(select),
            ShowStatement show => [new ResultColumn(show.Name.ToLowerInvariant(), PgTypes.Text)],
            _ => null,
        };
    }

    async Task ExecuteAsync(MessageBody body, CancellationToken ct)
    {
        var portal = PortalNamed(body.ReadCString());
        _ = body.ReadInt32(); // max rows: Npgsql asks for all; the simulator always sends all
        var result = await RunPortalAsync(portal, ct).ConfigureAwait(false);
        if (result is null) { _writer.EmptyQueryResponse(); return; }
        SendResult(result, portal.Binary, withDescription: false);
    }

    async Task<StatementResult?> RunPortalAsync(Portal portal, CancellationToken ct)
    {
        if (portal.Statement.Statement is not { } statement) return null;
        if (portal.Result is null)
        {
            await DelayAsync(ct).ConfigureAwait(false);
            portal.Result = await _executor.ExecuteAsync(statement, portal.Parameters, ct).ConfigureAwait(false);
            SendNotices();
        }
        return portal.Result;
    }

    void Close(MessageBody body)
    {
        var kind = (char)body.ReadByte();
        var name = body.ReadCString();
        if (kind == 'S') _prepared.Remove(name);
        else _portals.Remove(name);
        _writer.CloseComplete();
    }

    void SendResult(StatementResult result, Func<int, bool> binary, bool withDescription)
    {
        if (result.Columns is { } columns)
        {
            if (withDescription) _writer.RowDescription(columns, binary);
            foreach (var row in result.Rows) _writer.DataRow(columns, row, binary);
        }
        _writer.CommandComplete(result.Tag);
    }

    void SendNotices()
    {
        foreach (var notice in _executor.Notices) _writer.Notice(notice);
        _executor.Notices.Clear();
    }

    async Task DelayAsync(CancellationToken ct)
    {
        var delay = state.Faults.Delay;
        if (delay > TimeSpan.Zero) await Task.Delay(delay, state.Options.TimeProvider, ct).ConfigureAwait(false);
    }

    CancellationTokenSource BeginStatement(CancellationToken sessionToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(sessionToken);
        lock (_cancelLock) _statementCts = cts;
        return cts;
    }

    void EndStatement()
    {
        lock (_cancelLock) _statementCts = null;
    }

    /// <summary>
    /// Maps an exception to the ErrorResponse to send; null (or a FATAL error, which RunAsync sends)
    /// lets it end the session.
    /// </summary>
    SimulatedPgException? ToError(Exception e, CancellationToken sessionToken)
    {
        switch (e)
        {
            case SimulatedPgException s:
                return s;
            case OperationCanceledException when !sessionToken.IsCancellationRequested:
                return new SimulatedPgException("57014", "canceling statement due to user request");
            case OperationCanceledException or IOException or ObjectDisposedException:
                return null;
            default:
                logger.LogError(e, "Simulator bug while answering a query");
                return new SimulatedPgException("XX000", $"internal error in the coordinator simulator: {e.GetType().Name}: {e.Message}");
        }
    }
}
