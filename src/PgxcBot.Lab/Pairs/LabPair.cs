using Microsoft.Extensions.Logging;
using Npgsql;
using PgxcBot.Core.Servers;
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

    /// <summary>Switches the master between sync and async, then waits until pg_stat_replication shows the
    /// slave with the matching sync_state. PostgreSQL and Postgres-XL: ALTER SYSTEM + reload. Postgres-XC
    /// (9.3, no ALTER SYSTEM): the bot's own include file <c>pgxcbot.conf</c> rewritten whole, as the bot's
    /// sync and async runbooks do, then pg_ctl reload; whichever of the lab and the bot writes last wins.</summary>
    public async Task SetModeAsync(LabReplicationMode mode, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Master.Flavor == Flavor.PostgresXc) await SetModeByIncludeFileAsync(mode, cancellationToken).ConfigureAwait(false);
        else await SetModeBySqlAsync(mode, cancellationToken).ConfigureAwait(false);
        Mode = mode;
        await WaitForStreamingAsync(timeout, cancellationToken).ConfigureAwait(false);
    }

    private async Task SetModeByIncludeFileAsync(LabReplicationMode mode, CancellationToken cancellationToken)
    {
        var content = ManagedConfig.Render(new Dictionary<string, string>
        {
            ["synchronous_commit"] = "on",
            ["synchronous_standby_names"] = mode == LabReplicationMode.Sync ? ApplicationName : "",
        });
        Master.WriteOwnedFile(ManagedConfig.FileName, content.TrimEnd('\n').Split('\n'));
        var conf = Path.Combine(Master.DataDir, "postgresql.conf");
        if (!File.ReadLines(conf).Contains(ManagedConfig.IncludeLine)) File.AppendAllLines(conf, [ManagedConfig.IncludeLine]);
        await Master.PgCtlAsync(cancellationToken, allowFailure: false, "reload", "-D", Master.DataDir).ConfigureAwait(false);
    }

    private async Task SetModeBySqlAsync(LabReplicationMode mode, CancellationToken cancellationToken)
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
    }

    /// <summary>
    /// Postgres-XL queryable standby: logs a fresh running-transactions record on the master (CHECKPOINT) and
    /// waits until the slave has replayed it. A queryable XL standby started from a base backup crashes
    /// (SIGSEGV, then a crash-restart cycle: clients see "server closed the connection unexpectedly" and 57P03)
    /// on every connection until it replays such a record; an idle master may never log one by itself.
    /// Throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.
    /// </summary>
    public async Task LogStandbySnapshotAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        string lsn;
        await using (var connection = new NpgsqlConnection(Master.BuildConnectionString(pooling: false)))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (var checkpoint = new NpgsqlCommand("CHECKPOINT", connection))
                await checkpoint.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await using var current = new NpgsqlCommand("SELECT pg_current_wal_lsn()::text", connection);
            lsn = (string)(await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        var deadline = Deadline.In(timeout);
        while (true)
        {
            await using (var connection = new NpgsqlConnection(Master.BuildConnectionString(pooling: false)))
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using var command = new NpgsqlCommand(
                    "SELECT count(*) FROM pg_stat_replication WHERE application_name = $1 AND replay_lsn >= $2::pg_lsn", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = ApplicationName });
                command.Parameters.Add(new NpgsqlParameter { Value = lsn });
                if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long and > 0) return;
            }
            if (deadline.Expired)
                throw new TimeoutException($"The slave '{ApplicationName}' of {Name} had not replayed up to {lsn} after {timeout.TotalSeconds:0} s. Logs: {Master.LogFile}, {Slave.LogFile}");
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Polls the master until this pair's slave, streaming, has flushed everything the master has flushed: a kill of
    /// the master then leaves no WAL on its disk the slave lacks. For tests about what follows a master's death rather
    /// than about loss (a commit in flight at the kill leaves such WAL, and the bot rightly demands
    /// --accept-data-loss then). Throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.
    /// </summary>
    public Task WaitForSlaveToHaveAllTheMasterFlushedAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        PollSlaveRowAsync("state = 'streaming' AND flush_lsn >= pg_current_wal_flush_lsn()", "streaming with all the master flushed",
            timeout, 10, cancellationToken);

    /// <summary>Polls the master until pg_stat_replication shows this pair's slave streaming (and, in
    /// sync mode, with sync_state 'sync'). Only the master is asked, so this works for a stock Postgres-XL
    /// standby that refuses SQL. Throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public Task WaitForStreamingAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var wanted = Mode == LabReplicationMode.Sync ? "sync" : "async";
        return PollSlaveRowAsync($"state = 'streaming' AND sync_state = '{wanted}'", $"streaming ({wanted})", timeout, 50, cancellationToken);
    }

    /// <summary>Asks the master every <paramref name="everyMs"/> ms until this pair's slave's pg_stat_replication row
    /// meets <paramref name="condition"/> (SQL over that row, from this class only); the timeout names what was
    /// last seen of the row.</summary>
    private async Task PollSlaveRowAsync(string condition, string what, TimeSpan timeout, int everyMs, CancellationToken cancellationToken)
    {
        var deadline = Deadline.In(timeout);
        var last = "no answer yet";
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(Master.BuildConnectionString(pooling: false));
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using var command = new NpgsqlCommand(
                    $"SELECT state, sync_state, {condition} FROM pg_stat_replication WHERE application_name = $1", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = ApplicationName });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (reader.GetBoolean(2)) return;
                    last = $"state={reader.GetString(0)}, sync_state={reader.GetString(1)}";
                }
                else last = "no pg_stat_replication row";
            }
            catch (NpgsqlException e)
            {
                last = e.Message;
            }
            if (deadline.Expired)
                throw new TimeoutException(
                    $"The slave '{ApplicationName}' of {Name} was not {what} after {timeout.TotalSeconds:0} s; last seen: {last}. Logs: {Master.LogFile}, {Slave.LogFile}");
            await Task.Delay(everyMs, cancellationToken).ConfigureAwait(false);
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
            if (!server.IsRunning)
            {
                server.KillOrphans();
                return;
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await server.PgCtlAsync(timeout.Token, allowFailure: true,
                    "stop", "-w", "-t", "10", "-m", "immediate", "-D", server.DataDir).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { }
            if (server.IsRunning) await server.KillAsync(CancellationToken.None).ConfigureAwait(false);
            server.KillOrphans();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "Could not stop the lab {Label} server in {DataDir}", server.Label, server.DataDir);
        }
    }

    private Task ShutDownAsync(LabServer server) => ShutDownAsync(server, _logger);
}
