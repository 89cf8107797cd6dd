using Microsoft.Extensions.Logging;
using Npgsql;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;

namespace PgxcBot.Postgres;

/// <summary>
/// Observes a cluster over Npgsql. Every master, slave and coordinator is probed concurrently, each within
/// the topology's connect and command timeouts enforced by our own deadline, so a dead, black-holed or
/// frozen server costs at most its timeout and never delays the others. A datanode server answers in one
/// round trip; a coordinator lists its pgxc_node catalog. Failures become a <see cref="ProbeStatus"/> with
/// a short text (never a secret); only cancellation of <c>ObserveAsync</c> throws. Connections are pooled
/// per endpoint across snapshots, one per server kept open; dispose the observer to close them.
/// </summary>
public sealed class NpgsqlClusterObserver : IClusterObserver, IAsyncDisposable, IDisposable
{
    private readonly ISecretResolver _secrets;
    private readonly TimeProvider _time;
    private readonly ILogger<NpgsqlClusterObserver> _logger;
    /// <summary>Late probes finish (<see cref="LateQuery.Finish"/>): the data sources' backstops and the bounded
    /// query's handling are one choice.</summary>
    private const LateQuery LateProbes = LateQuery.Finish;

    private readonly PgDataSourceCache _sources;
    private readonly BoundedQuery _bounded;

    /// <summary>Connections being opened at once by one observer (pooled ones are reused without waiting). A
    /// one-shot status of 64 lab pairs, all 130 servers on one loaded 2-core host (load average 20-30), got 64 of 64
    /// pairs answering with 8 or 16, 14 of 64 with 32 and none unbounded: every backend started at once finished
    /// after its deadline. A server that does not answer keeps its slot only for <see cref="BoundedQuery.SlotHold"/>
    /// (not its whole connect timeout), so a partitioned rack of 64 silent servers delays the others by 2 s at most.</summary>
    public const int MaxConcurrentOpens = 16;

    public NpgsqlClusterObserver(ISecretResolver secrets, TimeProvider time, ILogger<NpgsqlClusterObserver> logger)
        : this(secrets, time, logger, null)
    {
    }

    /// <param name="idleLifetime">How long a second idle session per server stays pooled (tests shorten it); the first
    /// stays open. Kept because the pool's pruning counts a session used once a second as idle (it is, between polls):
    /// with none kept, every server's probe session was closed each minute and a new backend started at the next poll
    /// (measured: all 32 sessions of 16 lab pairs replaced in one wave every minute).</param>
    internal NpgsqlClusterObserver(ISecretResolver secrets, TimeProvider time, ILogger<NpgsqlClusterObserver> logger, TimeSpan? idleLifetime)
    {
        _secrets = secrets;
        _time = time;
        _logger = logger;
        _sources = new PgDataSourceCache(LateProbes, keepOneOpen: true, idleLifetime: idleLifetime, time: time);
        _bounded = new BoundedQuery(time, MaxConcurrentOpens, LateProbes);
    }

    /// <inheritdoc />
    public Task<ClusterSnapshot> ObserveAsync(ClusterTopology topology, CancellationToken cancellationToken) =>
        ObserveAsync(topology, QuickProbes.None, cancellationToken);

    /// <inheritdoc />
    public async Task<ClusterSnapshot> ObserveAsync(ClusterTopology topology, QuickProbes quick, CancellationToken cancellationToken)
    {
        var takenAt = _time.GetUtcNow();
        var started = _time.GetTimestamp();
        var password = ResolvePassword(topology.Database, out var passwordError);

        var pairs = topology.Datanodes.Select(async pair =>
        {
            var master = ProbeServerAsync(topology, pair, ServerRole.Master, pair.Master, password, passwordError, quick, cancellationToken);
            var slave = pair.Slave is null
                ? Task.FromResult<ServerProbe?>(null)
                : AsNullable(ProbeServerAsync(topology, pair, ServerRole.Slave, pair.Slave, password, passwordError, quick, cancellationToken));
            return new PairObservation(pair.Name, await master.ConfigureAwait(false), await slave.ConfigureAwait(false));
        }).ToArray();
        var coordinators = topology.Coordinators
            .Select(c => ProbeCoordinatorAsync(topology, c, password, passwordError, cancellationToken))
            .ToArray();

        var snapshot = new ClusterSnapshot(takenAt, TimeSpan.Zero,
            await Task.WhenAll(pairs).ConfigureAwait(false),
            await Task.WhenAll(coordinators).ConfigureAwait(false));
        return snapshot with { Elapsed = _time.GetElapsedTime(started) };
    }

    private static async Task<ServerProbe?> AsNullable(Task<ServerProbe> probe) => await probe.ConfigureAwait(false);

    private async Task<ServerProbe> ProbeServerAsync(ClusterTopology topology, DatanodePair pair, ServerRole role,
        ServerLocation location, string? password, string? passwordError, QuickProbes quick, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var (connectTimeout, commandTimeout) = quick.For(location.Endpoint, topology.Monitor.ConnectTimeout, topology.Monitor.CommandTimeout);
        if (passwordError is not null)
            return new ServerProbe(pair.Name, role, location, ProbeStatus.NotAttempted, passwordError, TimeSpan.Zero, null);
        try
        {
            var source = _sources.Get(PgServerKind.Datanode, location.Address, location.Port, topology.Database.User,
                topology.Database.Database, password, topology.Monitor.ConnectTimeout, topology.Monitor.CommandTimeout);
            var probing = _bounded.RunAsync(source, DatanodeFactsReader.ReadFactsAsync,
                connectTimeout, commandTimeout, cancellationToken);
            // Only a slave becomes a quick probe mid-poll (the commit watch calls slaves silent).
            var facts = role == ServerRole.Slave && quick.Later is { } later && connectTimeout > quick.Timeout
                ? await UntilQuickenedAsync(probing, later.For(location.Endpoint), quick.Timeout, cancellationToken).ConfigureAwait(false)
                : await probing.ConfigureAwait(false);
            return new ServerProbe(pair.Name, role, location, ProbeStatus.Ok, null, _time.GetElapsedTime(started), facts);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var (status, error) = ProbeErrorClassifier.Classify(e);
            var elapsed = _time.GetElapsedTime(started);
            _logger.LogDebug(e, "Probe of {Datanode} {Role} at {Endpoint} ended {Status} after {ElapsedMs} ms: {Error}",
                pair.Name, role, location.Endpoint, status, (int)elapsed.TotalMilliseconds, error);
            return new ServerProbe(pair.Name, role, location, status, error, elapsed, null);
        }
    }

    /// <summary>Waits for <paramref name="probing"/>; once <paramref name="quickened"/> fires (the server became a quick
    /// probe while this one was under way), for <paramref name="quickTimeout"/> more at most. A probe given up this way
    /// finishes on its own (its connection goes back to the pool: <see cref="LateQuery.Finish"/>).</summary>
    /// <exception cref="ProbeTimeoutException">No answer within <paramref name="quickTimeout"/> of the signal.</exception>
    private async Task<T> UntilQuickenedAsync<T>(Task<T> probing, CancellationToken quickened, TimeSpan quickTimeout, CancellationToken cancellationToken)
    {
        if (!quickened.CanBeCanceled) return await probing.ConfigureAwait(false);
        var signalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (quickened.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), signalled))
            if (await Task.WhenAny(probing, signalled.Task).ConfigureAwait(false) == probing) return await probing.ConfigureAwait(false);
        try
        {
            return await probing.WaitAsync(quickTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _ = probing.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw new ProbeTimeoutException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"no answer within {quickTimeout.TotalMilliseconds:0} ms of the commit watch calling it silent"));
        }
    }

    private async Task<CoordinatorProbe> ProbeCoordinatorAsync(ClusterTopology topology, Coordinator coordinator,
        string? password, string? passwordError, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        if (passwordError is not null)
            return new CoordinatorProbe(coordinator.Name, coordinator.Address, coordinator.Port, ProbeStatus.NotAttempted,
                passwordError, TimeSpan.Zero, null, []);
        try
        {
            var source = _sources.Get(PgServerKind.Coordinator, coordinator.Address, coordinator.Port, topology.Database.User,
                topology.Database.Database, password, topology.Monitor.ConnectTimeout, topology.Monitor.CommandTimeout);
            var (version, nodes) = await _bounded.RunAsync(source, CoordinatorCatalogReader.ReadAsync,
                topology.Monitor.ConnectTimeout, topology.Monitor.CommandTimeout, cancellationToken).ConfigureAwait(false);
            return new CoordinatorProbe(coordinator.Name, coordinator.Address, coordinator.Port, ProbeStatus.Ok, null,
                _time.GetElapsedTime(started), version, nodes);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var (status, error) = ProbeErrorClassifier.Classify(e);
            var elapsed = _time.GetElapsedTime(started);
            _logger.LogDebug(e, "Probe of coordinator {Coordinator} at {Endpoint} ended {Status} after {ElapsedMs} ms: {Error}",
                coordinator.Name, coordinator.Endpoint, status, (int)elapsed.TotalMilliseconds, error);
            return new CoordinatorProbe(coordinator.Name, coordinator.Address, coordinator.Port, status, error, elapsed, null, []);
        }
    }

    private string? ResolvePassword(DatabaseCredentials credentials, out string? error)
    {
        error = null;
        try
        {
            return _secrets.Resolve(credentials.Password);
        }
        catch (SecretUnavailableException e)
        {
            // The message names the variable or file, never the value. No server is contacted: the snapshot
            // says "not attempted", which the assessment never takes for a server that is down.
            error = "cannot authenticate: " + e.Message;
            _logger.LogWarning("Cannot probe the cluster: {Error}", error);
            return null;
        }
    }

    public ValueTask DisposeAsync() => _sources.DisposeAsync();

    public void Dispose() => _sources.Dispose();
}
