using System.Globalization;
using System.Text.Json;
using PgxcBot.Core.Operations;

namespace PgxcBot.Store;

/// <summary>Refused commands in the bot's SQLite file (one row each, the refusal as a JSON document).</summary>
public sealed class SqliteRefusalLog(SqliteStore store) : IRefusalLog
{
    public async Task RecordAsync(OperationRefusal refusal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        await store.WriteAsync("a refused command", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO operation_refusal (at, datanode, document) VALUES ($at, $datanode, $document);";
            command.Parameters.AddWithValue("$at", refusal.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$datanode", (object?)refusal.Datanode ?? DBNull.Value);
            command.Parameters.AddWithValue("$document", JsonSerializer.Serialize(refusal, RunbookJson.Info<OperationRefusal>()));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<OperationRefusal>> GetAsync(string? datanode, int limit, CancellationToken cancellationToken) =>
        store.ReadAsync("the refused commands", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT document FROM operation_refusal WHERE ($datanode IS NULL OR datanode = $datanode) ORDER BY id DESC LIMIT $limit;";
            command.Parameters.AddWithValue("$datanode", (object?)datanode ?? DBNull.Value);
            command.Parameters.AddWithValue("$limit", limit);
            var result = new List<OperationRefusal>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                result.Add(JsonSerializer.Deserialize(reader.GetString(0), RunbookJson.Info<OperationRefusal>())!);
            return (IReadOnlyList<OperationRefusal>)result;
        }, cancellationToken);
}
