using System.Text.Json;
using PgxcBot.Core.Operations;

namespace PgxcBot.Store.Postgres;

/// <summary>Refused commands in the PostgreSQL store (migration 6).</summary>
public sealed class PostgresRefusalLog(PostgresStore store) : IRefusalLog
{
    /// <inheritdoc />
    public Task RecordAsync(OperationRefusal refusal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return store.WriteAsync("a refused command", (c, tx) => PostgresStore.Execute(c, tx,
            "INSERT INTO operation_refusal (at, datanode, document) VALUES (@at, @d, @doc);", cancellationToken,
            ("at", StoreText.Time(refusal.At.ToUniversalTime())), ("d", refusal.Datanode), ("doc", JsonSerializer.Serialize(refusal, RunbookJson.Info<OperationRefusal>()))), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<OperationRefusal>> GetAsync(string? datanode, int limit, CancellationToken cancellationToken) =>
        store.ReadAsync("the refused commands", c => PostgresStore.Query(c, null,
            "SELECT document FROM operation_refusal WHERE (@d::text IS NULL OR datanode = @d::text) ORDER BY id DESC LIMIT @limit;",
            r => JsonSerializer.Deserialize(r.GetString(0), RunbookJson.Info<OperationRefusal>())!, cancellationToken, ("d", datanode), ("limit", limit)), cancellationToken);
}
