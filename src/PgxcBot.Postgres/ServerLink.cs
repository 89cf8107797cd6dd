using Npgsql;
using PgxcBot.Core.Observation;

namespace PgxcBot.Postgres;

/// <summary>
/// An idle connection that only listens for its own end (<see cref="IServerLink"/>): Npgsql's
/// <see cref="NpgsqlConnection.WaitAsync(CancellationToken)"/> waits for an asynchronous message without sending
/// anything, returns at each one (a notice, a parameter change; we wait again) and throws once the connection ends.
/// A backend idle in its client read also ends at once when its postmaster dies (PostgreSQL's latch waits include
/// postmaster death), so a killed server closes this connection even if only its postmaster was killed.
/// </summary>
internal sealed class ServerLink : IServerLink
{
    /// <summary>How long <see cref="DisposeAsync"/> waits for the cancelled wait to end before closing anyway.</summary>
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(5);

    private readonly NpgsqlDataSource _source;
    private readonly NpgsqlConnection _connection;
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _waiting;

    /// <param name="source">The link's own data source, disposed with it.</param>
    /// <param name="connection">An open connection of <paramref name="source"/>, owned from now on.</param>
    public ServerLink(NpgsqlDataSource source, NpgsqlConnection connection)
    {
        _source = source;
        _connection = connection;
        _waiting = Task.Run(WaitForTheEndAsync, CancellationToken.None);
    }

    /// <inheritdoc />
    public Task Lost => _lost.Task;

    private async Task WaitForTheEndAsync()
    {
        try
        {
            while (true) await _connection.WaitAsync(_closing.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The server closed the connection (EOF, a reset, a FATAL message), or we are closing it.
            if (!_closing.IsCancellationRequested) _lost.TrySetResult();
        }
    }

    /// <summary>Ends the wait and closes the connection (the server's session ends with it); never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        try
        {
            await _waiting.WaitAsync(CloseWait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The wait did not end on its token: closing the connection below ends it.
        }
        try
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
            await _source.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A connection the server had broken already.
        }
        _closing.Dispose();
    }
}
