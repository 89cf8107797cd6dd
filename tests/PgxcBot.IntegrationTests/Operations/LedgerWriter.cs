using System.Collections.Concurrent;
using Npgsql;

namespace PgxcBot.IntegrationTests.Operations;

/// <summary>
/// A client committing numbered rows into a <c>ledger</c> table in a loop on one server, one transaction
/// each; a row counts as acknowledged once its COMMIT returned. It stops at the first error (the server
/// died or shut down). "No acknowledged commit lost" = every acknowledged id is on the new master.
/// </summary>
public sealed class LedgerWriter : IAsyncDisposable
{
    private readonly ConcurrentBag<int> _acknowledged = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private LedgerWriter(string connectionString) => _loop = Task.Run(() => LoopAsync(connectionString));

    public static async Task<LedgerWriter> StartAsync(OperationHarness lab, CancellationToken cancellationToken)
    {
        await lab.QueryAsync<int>(lab.Pair.Master, "CREATE TABLE ledger (id int PRIMARY KEY); SELECT 1", cancellationToken);
        return new LedgerWriter(lab.Pair.Master.ConnectionString + ";Pooling=false");
    }

    public int Count => _acknowledged.Count;

    public IReadOnlyCollection<int> Acknowledged => _acknowledged.ToArray();

    /// <summary>Ends when the writer stopped by itself (its server went away).</summary>
    public Task Stopped => _loop;

    /// <summary>How many acknowledged rows <paramref name="server"/> has (all of them, if nothing was lost).</summary>
    public async Task<long> CountOnAsync(OperationHarness lab, PgxcBot.Lab.Pairs.LabServer server, CancellationToken cancellationToken) =>
        await lab.QueryAsync<long>(server, $"SELECT count(*) FROM ledger WHERE id IN ({string.Join(',', Acknowledged.DefaultIfEmpty(-1))})", cancellationToken);

    private async Task LoopAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(_stop.Token);
            for (var id = 1; !_stop.IsCancellationRequested; id++)
            {
                await using var insert = new NpgsqlCommand($"INSERT INTO ledger VALUES ({id})", connection);
                await insert.ExecuteNonQueryAsync(_stop.Token);
                _acknowledged.Add(id);
            }
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or IOException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
