using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// A stand-in for a Postgres-XC/XL coordinator on 127.0.0.1, speaking the PostgreSQL v3 protocol well
/// enough for Npgsql (simple and extended protocol, default and NoTypeLoading modes) and psql. It keeps a
/// transactional <c>pgxc_node</c> catalog, the pooler's view of it (<c>pgxc_pool_reload/check</c>), a
/// separate catalog per remote node for EXECUTE DIRECT, and relays other EXECUTE DIRECT statements to
/// the host:port the node currently points at. Faults (<see cref="Down"/>, <see cref="Delay"/>,
/// <see cref="FailAlterNode"/>) and inspection members are for tests.
/// </summary>
public sealed class CoordinatorSimulator : IAsyncDisposable, Cluster.ILabCoordinator
{
    readonly CoordinatorSimulatorOptions _options;
    readonly ILogger _logger;
    readonly List<SimulatedNode> _pendingSeed;
    readonly ConcurrentDictionary<int, (SimulatorSession Session, Socket Socket, CancellationTokenSource Cts, Task Task)> _sessions = new();
    readonly Lock _lock = new();
    readonly CancellationTokenSource _stopping = new();
    TcpListener? _listener;
    Task _acceptLoop = Task.CompletedTask;
    SimulatorState? _state;
    int _nextPid = 4000;
    bool _down;
    bool _stopped;

    /// <summary>Creates a simulator; nothing listens until <see cref="StartAsync"/>.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it and the fix.</exception>
    public CoordinatorSimulator(CoordinatorSimulatorOptions? options = null, ILogger<CoordinatorSimulator>? logger = null)
    {
        _options = options ?? new CoordinatorSimulatorOptions();
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _pendingSeed = [.. _options.Nodes];
    }

    /// <summary>Always 127.0.0.1.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The bound port (after <see cref="StartAsync"/>).</summary>
    public int Port { get; private set; }

    /// <summary>This coordinator's node name.</summary>
    public string NodeName => _options.NodeName;

    /// <summary>
    /// An Npgsql connection string for this simulator with the configured user and password (pooling
    /// off, so <see cref="Down"/> and restarts are seen at once). <paramref name="extra"/> is appended.
    /// </summary>
    public string ConnectionString(string? extra = null) =>
        $"Host={Host};Port={Port};Username={_options.User};Database=postgres;Pooling=false" +
        (_options.Password is { } p ? $";Password={p}" : "") +
        (string.IsNullOrEmpty(extra) ? "" : ";" + extra);

    /// <summary>Binds 127.0.0.1 (port from the options, 0 = any free one) and starts accepting.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_state is not null || _stopped) throw new InvalidOperationException("The simulator can be started only once.");
            var listener = Listen(_options.Port);
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            _state = new SimulatorState(_options, _pendingSeed, Port, new DatanodeRelay(_options, _logger));
            _listener = listener;
            _acceptLoop = AcceptLoopAsync(listener, _stopping.Token);
        }
        _logger.LogInformation("Coordinator simulator {Node} listening on {Host}:{Port}", NodeName, Host, Port);
        return Task.CompletedTask;
    }

    /// <summary>Stops listening, closes every session and waits for them to end.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_stopped) return;
            _stopped = true;
            _listener?.Stop();
            _listener = null;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        CloseAllSessions();
        var tasks = _sessions.Values.Select(s => s.Task).Append(_acceptLoop);
        await Task.WhenAll(tasks).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_state is not null) await _state.Relay.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>
    /// Fault: while true the port refuses connections (listener closed) and every open session is cut.
    /// Setting it back to false listens again on the same port.
    /// </summary>
    public bool Down
    {
        get { lock (_lock) return _down; }
        set
        {
            lock (_lock)
            {
                RequireStarted();
                if (_down == value || _stopped) return;
                _down = value;
                if (value)
                {
                    _listener?.Stop();
                    _listener = null;
                }
                else
                {
                    _listener = Listen(Port);
                    _acceptLoop = AcceptLoopAsync(_listener, _stopping.Token);
                }
            }
            if (value) CloseAllSessions();
            _logger.LogInformation("Coordinator simulator {Node} is now {State}", NodeName, value ? "down" : "up");
        }
    }

    /// <summary>Fault: time waited before answering each query (simple Query, or each portal run). Zero = none.</summary>
    public TimeSpan Delay
    {
        get => State.Faults.Delay;
        set => State.Faults.Delay = value;
    }

    /// <summary>
    /// Fault: make ALTER NODE fail with <paramref name="error"/> (default XX000 "simulated ALTER NODE
    /// failure") for the next <paramref name="times"/> statements (null = all), optionally only when it
    /// runs on node <paramref name="onNode"/> (this coordinator's name, or a node reached by EXECUTE DIRECT).
    /// </summary>
    public void FailAlterNode(SimulatedError? error = null, int? times = 1, string? onNode = null) =>
        State.Faults.FailAlterNode(error ?? new SimulatedError("XX000", "simulated ALTER NODE failure"), times, onNode);

    /// <summary>Removes an ALTER NODE fault.</summary>
    public void ClearAlterNodeFailure() => State.Faults.ClearAlterNodeFailure();

    /// <summary>Adds (or replaces) a node row in the coordinator's catalog and every node catalog, as seeding.</summary>
    public void AddNode(SimulatedNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        lock (_lock)
        {
            if (_state is null)
            {
                _pendingSeed.RemoveAll(n => n.Name == node.Name);
                _pendingSeed.Add(node);
                return;
            }
        }
        _state.Seed(node);
    }

    /// <summary>The coordinator's committed pgxc_node rows.</summary>
    public IReadOnlyList<PgxcNodeRow> CoordinatorCatalog => State.Coordinator.Committed.Rows;

    /// <summary>Committed pgxc_node rows of node <paramref name="nodeName"/>'s own catalog (as EXECUTE DIRECT sees it).</summary>
    public IReadOnlyList<PgxcNodeRow> NodeCatalog(string nodeName) => State.RemoteCatalog(nodeName).Committed.Rows;

    /// <summary>How many times pgxc_pool_reload() succeeded on this coordinator.</summary>
    public int PoolReloadCount => State.Coordinator.ReloadCount;

    /// <summary>How many times pgxc_pool_reload() succeeded on node <paramref name="nodeName"/> via EXECUTE DIRECT.</summary>
    public int NodePoolReloadCount(string nodeName) => State.RemoteCatalog(nodeName).ReloadCount;

    /// <summary>What pgxc_pool_check() answers on this coordinator now.</summary>
    public bool PoolMatchesCatalog => State.Coordinator.PoolMatchesCatalog();

    /// <summary>What pgxc_pool_check() answers on node <paramref name="nodeName"/> now.</summary>
    public bool NodePoolMatchesCatalog(string nodeName) => State.RemoteCatalog(nodeName).PoolMatchesCatalog();

    /// <summary>Every statement received, in order (inner EXECUTE DIRECT statements included when run locally).</summary>
    public IReadOnlyCollection<string> ExecutedStatements => State.Statements;

    /// <summary>Sessions currently connected.</summary>
    public int SessionCount => _sessions.Count;

    SimulatorState State
    {
        get
        {
            RequireStarted();
            return _state!;
        }
    }

    void RequireStarted()
    {
        if (_state is null) throw new InvalidOperationException("Call StartAsync first: the simulator is not started.");
    }

    static TcpListener Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start(128);
        return listener;
    }

    async Task AcceptLoopAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or InvalidOperationException)
            {
                return; // listener stopped (Down or Stop)
            }
            socket.NoDelay = true;
            StartSession(socket, ct);
        }
    }

    void StartSession(Socket socket, CancellationToken stopping)
    {
        var pid = Interlocked.Increment(ref _nextPid);
        var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var session = new SimulatorSession(new NetworkStream(socket, ownsSocket: true), _state!, CancelSession, pid, _logger);
        var started = new TaskCompletionSource();
        var task = Task.Run(async () =>
        {
            await started.Task.ConfigureAwait(false);
            try
            {
                await session.RunAsync(cts.Token).ConfigureAwait(false);
            }
            finally
            {
                _sessions.TryRemove(pid, out _);
                socket.Dispose();
                cts.Dispose();
            }
        }, CancellationToken.None);
        _sessions[pid] = (session, socket, cts, task);
        started.SetResult();
    }

    bool CancelSession(int pid, int key)
    {
        if (!_sessions.TryGetValue(pid, out var entry) || entry.Session.SecretKey != key) return false;
        entry.Session.CancelStatement();
        return true;
    }

    void CloseAllSessions()
    {
        foreach (var (_, entry) in _sessions)
        {
            try
            {
                entry.Cts.Cancel();
                entry.Socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException) { }
        }
    }
}
