using System.Collections.Concurrent;
using Npgsql;

namespace PgxcBot.Lab.Pairs;

/// <summary>
/// A client committing numbered rows into a <c>ledger</c> table in a loop, one transaction each; a row
/// counts as acknowledged once its COMMIT returned. It stops at the first error (the server died or shut
/// down). "No acknowledged commit lost" = every acknowledged id is on the new master
/// (<see cref="CountOnAsync"/>).
/// </summary>
public sealed class LabLedgerWriter : IAsyncDisposable
{
    private readonly ConcurrentBag<int> _acknowledged = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private LabLedgerWriter(string connectionString) => _loop = Task.Run(() => LoopAsync(connectionString));

    /// <summary>Creates the ledger table on <paramref name="server"/> and starts committing to it.</summary>
    public static async Task<LabLedgerWriter> StartAsync(LabServer server, CancellationToken cancellationToken)
    {
        await using (var connection = new NpgsqlConnection(server.BuildConnectionString(pooling: false)))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS ledger (id int PRIMARY KEY)", connection);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        return new LabLedgerWriter(server.BuildConnectionString(pooling: false));
    }

    /// <summary>Rows acknowledged so far.</summary>
    public int Count => _acknowledged.Count;

    public IReadOnlyCollection<int> Acknowledged => _acknowledged.ToArray();

    /// <summary>Ends when the writer stopped by itself (its server went away).</summary>
    public Task Stopped => _loop;

    /// <summary>How many acknowledged rows <paramref name="server"/> has (all of them, if nothing was lost).</summary>
    public async Task<long> CountOnAsync(LabServer server, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server.BuildConnectionString(pooling: false));
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM ledger WHERE id = ANY($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Acknowledged.ToArray() });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task LoopAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(_stop.Token).ConfigureAwait(false);
            for (var id = 1; !_stop.IsCancellationRequested; id++)
            {
                await using var insert = new NpgsqlCommand("INSERT INTO ledger VALUES ($1)", connection);
                insert.Parameters.Add(new NpgsqlParameter { Value = id });
                await insert.ExecuteNonQueryAsync(_stop.Token).ConfigureAwait(false);
                _acknowledged.Add(id);
            }
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or IOException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
