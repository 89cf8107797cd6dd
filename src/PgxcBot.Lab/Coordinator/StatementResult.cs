namespace PgxcBot.Lab.Coordinator;

/// <summary>A result column: name and type OID.</summary>
internal sealed record ResultColumn(string Name, uint TypeOid);

/// <summary>
/// What one statement produced: a row set (when <see cref="Columns"/> is not null) and the command tag.
/// </summary>
internal sealed record StatementResult(
    IReadOnlyList<ResultColumn>? Columns,
    IReadOnlyList<object?[]> Rows,
    string Tag)
{
    public static StatementResult Command(string tag) => new(null, [], tag);

    public static StatementResult Select(IReadOnlyList<ResultColumn> columns, IReadOnlyList<object?[]> rows) =>
        new(columns, rows, $"SELECT {rows.Count}");
}

/// <summary>A NoticeResponse (WARNING) sent before a result or error.</summary>
internal sealed record SimulatedNotice(string Severity, string SqlState, string Message);
