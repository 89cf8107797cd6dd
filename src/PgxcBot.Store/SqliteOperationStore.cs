using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PgxcBot.Core.Operations;

namespace PgxcBot.Store;

/// <summary>
/// Operations in the bot's SQLite file. The columns that are searched (kind, datanode, state) are
/// columns; the rest is one JSON document rewritten whole with each update, in one statement.
/// </summary>
public sealed class SqliteOperationStore(SqliteStore store) : IOperationStore
{
    private static readonly string[] OpenStates =
        [nameof(OperationState.Planned), nameof(OperationState.AwaitingApproval), nameof(OperationState.Running), nameof(OperationState.Interrupted)];

    public async Task<Operation> CreateAsync(Operation operation, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO operation (kind, datanode, state, requested_at, updated_at, document)
            VALUES ($kind, $datanode, $state, $at, $at, '{}') RETURNING id;
            """;
        command.Parameters.AddWithValue("$kind", operation.Kind);
        command.Parameters.AddWithValue("$datanode", operation.Datanode);
        command.Parameters.AddWithValue("$state", operation.State.ToString());
        command.Parameters.AddWithValue("$at", operation.RequestedAt.ToString("O", CultureInfo.InvariantCulture));
        var id = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        var stored = operation with { Id = id };
        await UpdateAsync(stored, cancellationToken).ConfigureAwait(false);
        return stored;
    }

    public async Task UpdateAsync(Operation operation, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE operation SET state = $state, updated_at = $now, document = $document WHERE id = $id;";
        command.Parameters.AddWithValue("$id", operation.Id);
        command.Parameters.AddWithValue("$state", operation.State.ToString());
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$document", JsonSerializer.Serialize(operation, RunbookJson.Options));
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            throw new InvalidOperationException($"operation {operation.Id} is not in the store {store.Path}");
    }

    public async Task<Operation?> GetAsync(long id, CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT document FROM operation WHERE id = $id;", c => c.Parameters.AddWithValue("$id", id), cancellationToken)
            .ConfigureAwait(false)).FirstOrDefault();

    public Task<IReadOnlyList<Operation>> GetOpenAsync(CancellationToken cancellationToken) =>
        QueryAsync($"SELECT document FROM operation WHERE state IN ({string.Join(", ", OpenStates.Select((_, i) => "$s" + i))}) ORDER BY id;",
            c => { for (var i = 0; i < OpenStates.Length; i++) c.Parameters.AddWithValue("$s" + i, OpenStates[i]); }, cancellationToken);

    public Task<IReadOnlyList<Operation>> GetHistoryAsync(string? datanode, int limit, CancellationToken cancellationToken) =>
        QueryAsync("SELECT document FROM operation WHERE ($datanode IS NULL OR datanode = $datanode) ORDER BY id DESC LIMIT $limit;",
            c =>
            {
                c.Parameters.AddWithValue("$datanode", (object?)datanode ?? DBNull.Value);
                c.Parameters.AddWithValue("$limit", limit);
            }, cancellationToken);

    private async Task<IReadOnlyList<Operation>> QueryAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        var result = new List<Operation>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(JsonSerializer.Deserialize<Operation>(reader.GetString(0), RunbookJson.Options)
                       ?? throw new InvalidOperationException($"an operation document in {store.Path} is empty"));
        }
        return result;
    }
}
