using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Topology;
using PgxcBot.Hosting;
using PgxcBot.Lab.Cluster;
using PgxcBot.Lab.Pairs;
using PgxcBot.Monitoring;
using PgxcBot.Store;
using PgxcBot.Tests.Support;

namespace PgxcBot.IntegrationTests.Monitoring;

/// <summary>
/// A real pair (plus two simulated coordinators) watched by the real monitor at its default 1 s
/// interval, wired as the host wires it, over a SQLite store in a temp folder; alerts go through the store's
/// outbox and its sender, as in production, to a recording channel. <see cref="RestartMonitorAsync"/> replaces
/// every bot service, as a process restart would.
/// Shared with the benchmarks (linked source), so it uses no test framework.
/// </summary>
public sealed class MonitorLab : IAsyncDisposable
{
    private readonly string _folder;
    private IHost? _host;

    private MonitorLab(LabCluster cluster, ClusterTopology topology, string folder)
    {
        Cluster = cluster;
        Topology = topology;
        _folder = folder;
    }

    public LabCluster Cluster { get; }
    public ClusterTopology Topology { get; }
    public LabPair Pair => Cluster.Pair("datanode1");
    public RecordingNotifier Notifications { get; } = new();
    public MonitorService Monitor { get; private set; } = null!;
    public SqliteStore Store { get; private set; } = null!;

    /// <summary>Maintenance windows and owners, in the monitor's store (what the chat commands write).</summary>
    public IMaintenanceStore Maintenance { get; private set; } = null!;

    /// <param name="adjust">Changes the lab's topology before the monitor starts (e.g. adds an SSH host).</param>
    /// <param name="pairs">How many pairs (datanode1..N).</param>
    public static async Task<MonitorLab> StartAsync(LabReplicationMode mode, CancellationToken cancellationToken, AlertSettings? alerts = null,
        Func<ClusterTopology, ClusterTopology>? adjust = null, int pairs = 1)
    {
        var cluster = await LabCluster.StartAsync(new LabPairOptions(), pairs, mode, coordinators: 2, maxDegreeOfParallelism: 2, cancellationToken);
        try
        {
            var topology = cluster.ToTopology(MonitorSettings.Default) with { Alerts = alerts ?? AlertSettings.Default };
            if (adjust is not null) topology = adjust(topology);
            var lab = new MonitorLab(cluster, topology, Directory.CreateTempSubdirectory("pgxcbot-monitor-").FullName);
            await lab.RestartMonitorAsync(cancellationToken);
            return lab;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the running bot (if any) and starts a fresh one on the same store: the serving bot as the host
    /// composes it (<see cref="BotComposition.AddPgxcBot"/>), every hosted service started, with only the lab's
    /// topology, its secrets (none) and the recording alert channel in place of the config file's.</summary>
    public async Task RestartMonitorAsync(CancellationToken cancellationToken)
    {
        await StopMonitorAsync();
        Store = await SqliteStore.OpenAsync(Path.Combine(_folder, "state.db"), null, cancellationToken);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = _folder });
        builder.Logging.ClearProviders();
        builder.Services.AddPgxcBot(BotCommand.Serve, new BotSetup
        {
            Options = new PgxcBotOptions(),
            Topology = Topology,
            BaseDirectory = _folder,
            Secrets = NullSecrets.Instance,
            Store = new BotStore.Sqlite(Store),
            AlertChannel = Notifications,
        });
        _host = builder.Build();
        Monitor = _host.Services.GetRequiredService<MonitorService>();
        Maintenance = _host.Services.GetRequiredService<IMaintenanceStore>();
        // The fast path for blocked commits, as the host adds it beside the monitor.
        CommitWatch = _host.Services.GetServices<IHostedService>().OfType<CommitWatchService>().Single();
        await _host.StartAsync(cancellationToken);
        await Monitor.Started.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    /// <summary>The fast commit watch beside the monitor (monitor.commitWatchSeconds; off when the topology says 0).</summary>
    public CommitWatchService CommitWatch { get; private set; } = null!;

    public async Task StopMonitorAsync()
    {
        if (_host is null) return;
        await _host.StopAsync(CancellationToken.None);
        await ((IAsyncDisposable)_host).DisposeAsync();
        _host = null;
    }

    /// <summary>Waits until the monitor has completed <paramref name="polls"/> more polls.</summary>
    public async Task PollsAsync(int polls, CancellationToken cancellationToken)
    {
        var target = Monitor.Polls + polls;
        var deadline = Stopwatch.StartNew();
        while (Monitor.Polls < target)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(polls * 5 + 10)) throw new TimeoutException($"the monitor did not complete {polls} polls");
            await Task.Delay(50, cancellationToken);
        }
    }

    public async Task<T> QueryAsync<T>(LabServer server, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Runs a statement that returns nothing (ALTER SYSTEM, ...).</summary>
    public async Task ExecuteAsync(LabServer server, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await StopMonitorAsync();
        await Cluster.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A chat channel that keeps every alert it is delivered (as the notification it was), with when it arrived.</summary>
public sealed class RecordingNotifier : IOutboxChannel
{
    public const string TargetName = "recording";

    private readonly ConcurrentQueue<(long At, Notification Notification)> _all = new();

    public IReadOnlyList<Notification> All => _all.Select(n => n.Notification).ToArray();

    public string Target => TargetName;

    public bool EditsInPlace => false;

    public Task<DeliveryResult> DeliverAsync(OutboxEntry entry, PostedMessage? posted, CancellationToken cancellationToken)
    {
        var kind = entry.Kind switch
        {
            OutboxKind.Alert => NotificationKind.Raised,
            OutboxKind.Recovery => NotificationKind.Cleared,
            _ => NotificationKind.Reminder,
        };
        _all.Enqueue((Stopwatch.GetTimestamp(), new Notification(entry.MessageKey ?? "", kind, entry.Body, entry.MentionOnCall)));
        return Task.FromResult(DeliveryResult.Done());
    }

    /// <summary>The first notification (arrived after <paramref name="since"/>, a Stopwatch timestamp)
    /// that matches, and when it arrived; waits up to <paramref name="timeout"/>.</summary>
    public async Task<(Notification Notification, long At)> WaitForAsync(Func<Notification, bool> match, TimeSpan timeout, string what,
        CancellationToken cancellationToken, long since = 0)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            foreach (var (at, n) in _all)
                if (at >= since && match(n)) return (n, at);
            if (Stopwatch.GetElapsedTime(started) > timeout)
                throw new TimeoutException($"no notification: {what} within {timeout.TotalSeconds:0} s; got: " +
                    string.Join(" | ", _all.Select(n => $"{n.Notification.Kind} {n.Notification.IncidentKey}: {n.Notification.Message.Title}")));
            await Task.Delay(20, cancellationToken);
        }
    }

    public string Dump() => string.Join("\n", _all.Select(n => $"--- {n.Notification.Kind} {n.Notification.IncidentKey}\n{PlainTextRenderer.Render(n.Notification.Message)}"));
}

/// <summary>Commits in a loop on the master (one row per transaction, autocommit) and keeps when each
/// commit was acknowledged: the longest gap is the commit stall a client saw.</summary>
public sealed class CommitWriter : IAsyncDisposable
{
    private readonly ConcurrentQueue<long> _acks = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private CommitWriter(string connectionString) => _loop = Task.Run(() => LoopAsync(connectionString));

    public static async Task<CommitWriter> StartAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using (var connection = new NpgsqlConnection(connectionString + ";Pooling=false"))
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS monitor_writes (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        return new CommitWriter(connectionString);
    }

    public int Count => _acks.Count;

    /// <summary>Stopwatch timestamps of acknowledged commits.</summary>
    public IReadOnlyList<long> Acks => _acks.ToArray();

    /// <summary>The longest time between two acknowledged commits, the first at or after <paramref name="since"/>'s preceding ack.</summary>
    public TimeSpan LongestGapAround(long since)
    {
        var acks = _acks.ToArray();
        var longest = TimeSpan.Zero;
        for (var i = 1; i < acks.Length; i++)
        {
            if (acks[i] < since) continue;
            var gap = Stopwatch.GetElapsedTime(acks[i - 1], acks[i]);
            if (gap > longest) longest = gap;
        }
        return longest;
    }

    /// <summary>Waits until a commit is acknowledged after <paramref name="since"/> (a Stopwatch timestamp).</summary>
    public async Task<long> WaitForCommitAfterAsync(long since, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var last = _acks.LastOrDefault();
            if (last > since) return last;
            if (Stopwatch.GetElapsedTime(started) > timeout)
                throw new TimeoutException($"no commit was acknowledged within {timeout.TotalSeconds:0} s");
            await Task.Delay(10, cancellationToken);
        }
    }

    private async Task LoopAsync(string connectionString)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
                await connection.OpenAsync(_stop.Token);
                await using var insert = new NpgsqlCommand("INSERT INTO monitor_writes DEFAULT VALUES", connection);
                insert.CommandTimeout = 0; // a commit waiting for a lost standby waits as long as it takes
                while (!_stop.IsCancellationRequested)
                {
                    await insert.ExecuteNonQueryAsync(_stop.Token);
                    _acks.Enqueue(Stopwatch.GetTimestamp());
                    await Task.Delay(5, _stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                await Task.Delay(50);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _loop.WaitAsync(TimeSpan.FromSeconds(10)); } catch (Exception e) when (e is TimeoutException or OperationCanceledException) { }
        _stop.Dispose();
    }
}
