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
    private int _disposed;

    private readonly bool _explicitTransactions;

    private LabLedgerWriter(string connectionString, bool explicitTransactions)
    {
        _explicitTransactions = explicitTransactions;
        _loop = Task.Run(() => LoopAsync(connectionString));
    }

    /// <summary>Creates the ledger table on <paramref name="server"/> and starts committing to it.</summary>
    public static Task<LabLedgerWriter> StartAsync(LabServer server, CancellationToken cancellationToken) =>
        StartAsync(server.BuildConnectionString(pooling: false), distributed: false, cancellationToken);

    /// <summary>Creates the ledger table through <paramref name="connectionString"/> (on a Postgres-XC/XL
    /// coordinator with <paramref name="distributed"/>: hashed over every datanode) and starts committing to it:
    /// each row a single autocommit INSERT, or with <paramref name="explicitTransactions"/> BEGIN; INSERT;
    /// COMMIT (on Postgres-XL the coordinator then sends the datanode a COMMIT and waits for its answer).</summary>
    public static async Task<LabLedgerWriter> StartAsync(string connectionString, bool distributed, CancellationToken cancellationToken,
        bool explicitTransactions = false)
    {
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var sql = "CREATE TABLE IF NOT EXISTS ledger (id int PRIMARY KEY)" + (distributed ? " DISTRIBUTE BY HASH (id)" : "");
            await using var create = new NpgsqlCommand(sql, connection);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        return new LabLedgerWriter(connectionString, explicitTransactions);
    }

    /// <summary>Rows acknowledged so far.</summary>
    public int Count => _acknowledged.Count;

    public IReadOnlyCollection<int> Acknowledged => _acknowledged.ToArray();

    /// <summary>Ends when the writer stopped by itself (its server went away).</summary>
    public Task Stopped => _loop;

    /// <summary>The error that stopped the writer (null while it runs or when it was disposed), for a test's
    /// failure message.</summary>
    public Exception? Error { get; private set; }

    /// <summary>How many acknowledged rows <paramref name="server"/> has (all of them, if nothing was lost).</summary>
    public Task<long> CountOnAsync(LabServer server, CancellationToken cancellationToken) =>
        CountAsync(server.BuildConnectionString(pooling: false), cancellationToken);

    /// <summary>How many acknowledged rows a query through <paramref name="connectionString"/> finds (a
    /// coordinator: all datanodes).</summary>
    public async Task<long> CountAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var ids = Acknowledged.DefaultIfEmpty(-1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Literal ids: the same text on every flavor's coordinator, no array parameter to relay.
        await using var command = new NpgsqlCommand($"SELECT count(*)::text FROM ledger WHERE id IN ({string.Join(',', ids)})", connection);
        return long.Parse((string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!, System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task LoopAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(_stop.Token).ConfigureAwait(false);
            for (var id = 1; !_stop.IsCancellationRequested; id++)
            {
                await using var transaction = _explicitTransactions ? await connection.BeginTransactionAsync(_stop.Token).ConfigureAwait(false) : null;
                await using var insert = new NpgsqlCommand("INSERT INTO ledger VALUES ($1)", connection, transaction);
                insert.Parameters.Add(new NpgsqlParameter { Value = id });
                await insert.ExecuteNonQueryAsync(_stop.Token).ConfigureAwait(false);
                if (transaction is not null) await transaction.CommitAsync(_stop.Token).ConfigureAwait(false);
                _acknowledged.Add(id);
            }
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or IOException)
        {
            if (!_stop.IsCancellationRequested) Error = e;
        }
    }

    /// <summary>Stops the writer and waits for its loop; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
