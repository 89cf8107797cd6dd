using System.Globalization;
using Npgsql;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;

namespace PgxcBot.Postgres;

/// <summary>
/// The fast commit watch over Npgsql: one unpooled connection per master, kept open, one prepared light
/// query per sample (<see cref="ProbeSql.CommitWatch"/>). Servers without pg_stat_activity.wait_event
/// (Postgres-XC 1.2 answers as 9.3) are not watched: their waiting commits only show in process titles,
/// which the 1 s poll reads over SSH.
/// </summary>
public sealed class NpgsqlCommitWatch(ISecretResolver secrets, TimeProvider time) : ICommitWatchSource
{
    /// <inheritdoc />
    public async Task<ICommitWatchSession> OpenAsync(ClusterTopology topology, ServerLocation master, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(master);
        var source = DataSource(topology, master, "pgxcbot-commit-watch");
        try
        {
            var connection = await OpenAsync(source, topology, cancellationToken).ConfigureAwait(false);
            var features = ServerFeatures.Of(connection.PostgreSqlVersion);
            if (!features.WaitEvents)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                await source.DisposeAsync().ConfigureAwait(false);
                return new Unwatched(string.Create(CultureInfo.InvariantCulture,
                    $"{master.Endpoint} answers as PostgreSQL {connection.PostgreSqlVersion} (Postgres-XC 1.2 is 9.3), which has no pg_stat_activity.wait_event: waiting commits show only in process titles, read over SSH by the 1 s poll"));
            }
            var command = new NpgsqlCommand(ProbeSql.CommitWatch(features), connection) { CommandTimeout = 1 };
            var preparing = command.PrepareAsync(CancellationToken.None);
            try
            {
                await preparing.WaitAsync(topology.Monitor.CommandTimeout, time, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // Not while the statement is on its way (see Session.DisposeAsync): once it ends, within Npgsql's 1 s
                // command timeout and its cancellation timeout after that.
                _ = Session.CloseWhenDone(preparing, command, connection, null);
                throw;
            }
            return new Session(source, connection, command, time);
        }
        catch
        {
            await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    /// <remarks>An unpooled connection named pgxcbot-slave-link. On a hot standby it is an ordinary read-only session
    /// (hot_standby is on by default since PostgreSQL 10; a standby that refuses sessions fails the opening).</remarks>
    public async Task<IServerLink?> LinkAsync(ClusterTopology topology, ServerLocation server, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(server);
        var source = DataSource(topology, server, "pgxcbot-slave-link");
        try
        {
            return new ServerLink(source, await OpenAsync(source, topology, cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>An unpooled data source for one server of the topology, under <paramref name="applicationName"/>.</summary>
    private NpgsqlDataSource DataSource(ClusterTopology topology, ServerLocation server, string applicationName)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = server.Address,
            Port = server.Port,
            Username = topology.Database.User,
            Database = topology.Database.Database,
            Password = secrets.Resolve(topology.Database.Password),
            ApplicationName = applicationName,
            Timeout = Math.Max(1, (int)Math.Ceiling(topology.Monitor.ConnectTimeout.TotalSeconds)),
            Pooling = false,
            SslMode = SslMode.Disable,
            TcpKeepAlive = true,
        };
        var sourceBuilder = new NpgsqlDataSourceBuilder(builder.ConnectionString);
        // Our SQL casts to built-in types; XL coordinators and old servers need not answer type loading.
        sourceBuilder.ConfigureTypeLoading(types => types.EnableTypeLoading(false));
        return sourceBuilder.Build();
    }

    /// <summary>Opens a connection of <paramref name="source"/> within the topology's connect timeout.</summary>
    /// <exception cref="TimeoutException">No connection within monitor.connectTimeoutSeconds.</exception>
    private async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource source, ClusterTopology topology, CancellationToken cancellationToken)
    {
        // No token reaches Npgsql here or in the samples: a cancellation that fires while the connection is
        // breaking (the master was just killed) can throw inside Npgsql's cancel callback, on a timer thread,
        // and take the whole process down. Our deadline is WaitAsync; Npgsql's own timeouts are the backstop.
        var opening = source.OpenConnectionAsync(CancellationToken.None).AsTask();
        try
        {
            return await opening.WaitAsync(topology.Monitor.ConnectTimeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            _ = opening.ContinueWith(t => { if (t.IsCompletedSuccessfully) t.Result.Dispose(); else _ = t.Exception; },
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }

    private sealed class Unwatched(string reason) : ICommitWatchSession
    {
        public string? Unsupported => reason;
        public Task<CommitSample> SampleAsync(TimeSpan timeout, CancellationToken cancellationToken) => throw new NotSupportedException(reason);
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class Session(NpgsqlDataSource source, NpgsqlConnection connection, NpgsqlCommand command, TimeProvider time) : ICommitWatchSession
    {
        private readonly List<CommitWatchSender> _senders = [];
        private Task _inflight = Task.CompletedTask;

        public string? Unsupported => null;

        public async Task<CommitSample> SampleAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            // Our own deadline: a frozen master never answers. The abandoned read ends at Npgsql's command timeout
            // (1 s, then its cancellation timeout), and the session closes only after it (DisposeAsync).
            var run = ReadAsync(CancellationToken.None);
            _inflight = run;
            try
            {
                return await run.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                _ = run.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                cancellationToken.ThrowIfCancellationRequested();
                throw new TimeoutException($"no answer within {timeout.TotalMilliseconds:0} ms");
            }
        }

        /// <inheritdoc />
        public async Task<bool> SettledAsync(CancellationToken cancellationToken)
        {
            try
            {
                await _inflight.WaitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }

        private async Task<CommitSample> ReadAsync(CancellationToken cancellationToken)
        {
            _senders.Clear();
            var inRecovery = false;
            var waiters = 0;
            DateTimeOffset? masterClock = null;
            Lsn? walPosition = null;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    inRecovery = reader.GetBoolean(0);
                    waiters = reader.GetInt32(1);
                    masterClock ??= new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(7), DateTimeKind.Utc));
                    if (walPosition is null && !reader.IsDBNull(8) && Lsn.TryParse(reader.GetString(8), out var wal)) walPosition = wal;
                    if (reader.IsDBNull(2)) continue;
                    _senders.Add(new CommitWatchSender(reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                        reader.IsDBNull(4) ? "" : reader.GetString(4),
                        !reader.IsDBNull(5) && Lsn.TryParse(reader.GetString(5), out var flush) ? flush : null,
                        reader.IsDBNull(6) ? null : new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(6), DateTimeKind.Utc))));
                }
            }
            return new CommitSample(time.GetUtcNow(), inRecovery, waiters, _senders.Count == 0 ? [] : [.. _senders]) { MasterClock = masterClock, WalPosition = walPosition };
        }

        /// <summary>Closes the connection, at once when no sample is on its way, else as soon as that sample ends:
        /// closing a connection under a running statement hung (and kept the server's session open) when a watch gave
        /// up a slow sample, so a loaded master collected one idle watch session per give-up until max_connections
        /// refused every client.</summary>
        public ValueTask DisposeAsync() => new(CloseWhenDone(_inflight, command, connection, source));

        /// <summary>Disposes the command, the connection and (when given) the data source once <paramref name="running"/>
        /// has ended, whatever its outcome; failures closing an already broken connection are observed, not thrown.</summary>
        internal static async Task CloseWhenDone(Task running, NpgsqlCommand command, NpgsqlConnection connection, NpgsqlDataSource? source)
        {
            try { await running.ConfigureAwait(false); }
            catch (Exception) { /* a failed or cancelled statement: the connection is closed all the same */ }
            try
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                await command.DisposeAsync().ConfigureAwait(false);
                if (source is not null) await source.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception) { /* the connection was broken already */ }
        }
    }
}
