using PgxcBot.Core.Servers;

namespace PgxcBot.IntegrationTests.Support;

/// <summary>
/// A real PostgreSQL 15 server for the bot's shared store (a lab master without a slave, run by the lab's
/// unprivileged user), one per test class. Each test takes a fresh database of its own
/// (<see cref="CreateDatabaseAsync"/>), so tests share no state.
/// </summary>
public sealed class StoreServer : IAsyncLifetime
{
    private LabPair? _server;

    /// <summary>The server (for freezing or killing it in a test).</summary>
    public LabServer Server => _server?.Master ?? throw new InvalidOperationException("The store server is not started.");

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        _server = await new LabPairBuilder(new LabPairOptions { CloneSlave = false, MaxConnections = 100 })
            .BuildAsync(LabReplicationMode.Async, cts.Token, "botstore");
    }

    /// <summary>Creates an empty database and returns its connection string (pooled, 5 s connect timeout).</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"store_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(Server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {SqlText.Identifier(name)};", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(Server.ConnectionString) { Database = name, ApplicationName = "pgxcbot-store-test" }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
