using Renci.SshNet;

namespace PgxcBot.Ssh;

/// <summary>One host's SSH client, opened lazily and once even when several steps ask at the same time.</summary>
internal sealed class HostConnection : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SshClient? _client;

    public async Task<SshClient> GetClientAsync(Func<Task<SshClient>> connect, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client is { IsConnected: true }) return _client;
            _client?.Dispose();
            _client = null;
            _client = await connect().ConfigureAwait(false);
            return _client;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets a client that failed, so the next command connects again.</summary>
    public void Invalidate(SshClient client)
    {
        if (Interlocked.CompareExchange(ref _client, null, client) == client) client.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        _client?.Dispose();
        _client = null;
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}
