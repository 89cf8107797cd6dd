using Microsoft.Extensions.Logging;
using Npgsql;
using PgxcBot.Core.Topology;

namespace PgxcBot.Lab.Pairs;

/// <summary>
/// A built master + hot standby pair on loopback. Disposing it stops both servers (immediately, and by
/// SIGKILL when that fails, thawing frozen ones first) and removes its folder; it never throws.
/// </summary>
public sealed class LabPair : IAsyncDisposable
{
    private readonly ILogger _logger;
    private int _disposed;

    internal LabPair(string name, string applicationName, LabReplicationMode mode, string folder,
        LabServer master, LabServer slave, ILogger logger)
    {
        Name = name;
        ApplicationName = applicationName;
        Mode = mode;
        Folder = folder;
        Master = master;
        Slave = slave;
        _logger = logger;
    }

    /// <summary>The datanode name this pair stands for (e.g. datanode1).</summary>
    public string Name { get; }
    /// <summary>The slave's application_name, as the master sees it in pg_stat_replication.</summary>
    public string ApplicationName { get; }
    public LabReplicationMode Mode { get; private set; }
    /// <summary>The pair's own folder (both data directories, sockets, logs).</summary>
    public string Folder { get; }
    public LabServer Master { get; }
    public LabServer Slave { get; }

    /// <summary>The pair as a topology entry, with both servers on <paramref name="hostName"/>.</summary>
    public DatanodePair ToDatanodePair(string hostName = "localhost") =>
        new(Name, Master.ToLocation(hostName), Slave.ToLocation(hostName), ApplicationName, ArchiveDir: null);

    /// <summary>Promotes the slave (pg_ctl promote -w). The master is left as it is.</summary>
    public Task PromoteSlaveAsync(CancellationToken cancellationToken) => Slave.PromoteAsync(cancellationToken);

    /// <summary>Switches the master between sync and async (ALTER SYSTEM + reload), then waits until
    /// pg_stat_replication shows the slave with the matching sync_state.</summary>
    public async Task SetModeAsync(LabReplicationMode mode, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using (var connection = new NpgsqlConnection(Master.BuildConnectionString(pooling: false)))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // ALTER SYSTEM takes no parameters; the application name is validated to [a-z0-9_] at build.
            var names = mode == LabReplicationMode.Sync ? ApplicationName : "";
            await using (var alter = new NpgsqlCommand($"ALTER SYSTEM SET synchronous_standby_names = '{names}'", connection))
                await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await using (var reload = new NpgsqlCommand("SELECT pg_reload_conf()", connection))
                await reload.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        Mode = mode;
        await WaitForStreamingAsync(timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Polls the master until pg_stat_replication shows this pair's slave streaming (and, in
    /// sync mode, with sync_state 'sync'). Throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task WaitForStreamingAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var wanted = Mode == LabReplicationMode.Sync ? "sync" : "async";
        var deadline = Deadline.In(timeout);
        var last = "no answer yet";
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(Master.BuildConnectionString(pooling: false));
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using var command = new NpgsqlCommand(
                    "SELECT state, sync_state FROM pg_stat_replication WHERE application_name = $1", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = ApplicationName });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var state = reader.GetString(0);
                    var syncState = reader.GetString(1);
                    if (state == "streaming" && syncState == wanted) return;
                    last = $"state={state}, sync_state={syncState}";
                }
                else last = "no pg_stat_replication row";
            }
            catch (NpgsqlException e)
            {
                last = e.Message;
            }
            if (deadline.Expired)
                throw new TimeoutException(
                    $"The slave '{ApplicationName}' of {Name} was not streaming ({wanted}) after {timeout.TotalSeconds:0} s; last seen: {last}. Logs: {Master.LogFile}, {Slave.LogFile}");
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops both servers and deletes the folder. Safe to call twice, and after failures.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await Task.WhenAll(ShutDownAsync(Master), ShutDownAsync(Slave)).ConfigureAwait(false);
        LabFolders.DeleteQuietly(Folder, _logger);
    }

    internal static async Task ShutDownAsync(LabServer server, ILogger logger)
    {
        try
        {
            await server.ThawAsync(CancellationToken.None).ConfigureAwait(false);
            if (!server.IsRunning) return;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await server.PgCtlAsync(timeout.Token, allowFailure: true,
                    "stop", "-w", "-t", "10", "-m", "immediate", "-D", server.DataDir).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { }
            if (server.IsRunning) await server.KillAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "Could not stop the lab {Label} server in {DataDir}", server.Label, server.DataDir);
        }
    }

    private Task ShutDownAsync(LabServer server) => ShutDownAsync(server, _logger);
}
