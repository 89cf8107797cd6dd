using PgxcBot.Core.Gtm;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Observation;

/// <summary>
/// The bot's observer: the SQL probes (<paramref name="sql"/>), and beside them, concurrently and under the
/// same timeouts, what SQL cannot say. The GTM and its proxies over the GTM protocol (at most every
/// <see cref="GtmProbeInterval"/>: a Postgres-XC GTM logs a line per connection; at once again while one
/// failed). And over the shell (one command per host, run concurrently with
/// the SQL probes and bounded by the same timeouts) the process list and pg_controldata of the servers
/// whose SQL falls short — every Postgres-XL slave (a stock XL hot standby refuses every connection:
/// "Was unable to obtain a snapshot from GTM"; its WAL receiver's title still shows how far it has
/// received) and every Postgres-XC master (PostgreSQL 9.3 has no wait_event: commits waiting for a
/// synchronous standby show only in their process titles). A host that cannot be asked gives facts with
/// an error, never an exception. Plain PostgreSQL answers everything in SQL and costs no shell command.
/// </summary>
public sealed class CompositeClusterObserver(IClusterObserver sql, IRemoteShell shell, TimeProvider time, IGtmClient? gtm = null) : IClusterObserver
{
    /// <summary>How often a GTM that answered is asked again.</summary>
    public static readonly TimeSpan GtmProbeInterval = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private IReadOnlyList<GtmObservation> _lastGtm = [];

    /// <inheritdoc />
    public Task<ClusterSnapshot> ObserveAsync(ClusterTopology topology, CancellationToken cancellationToken) =>
        ObserveAsync(topology, QuickProbes.None, cancellationToken);

    /// <inheritdoc />
    public async Task<ClusterSnapshot> ObserveAsync(ClusterTopology topology, QuickProbes quick, CancellationToken cancellationToken)
    {
        var wanted = Wanted(topology);
        var processes = wanted.Count == 0
            ? Task.FromResult<IReadOnlyDictionary<(string Host, string DataDir), ProcessFacts>>(new Dictionary<(string, string), ProcessFacts>())
            : GatherAsync(topology, wanted, cancellationToken);
        var gtmTask = ProbeGtmAsync(topology, cancellationToken);
        var snapshot = await sql.ObserveAsync(topology, quick, cancellationToken).ConfigureAwait(false);
        var facts = new Dictionary<(string Host, string DataDir), ProcessFacts>(await processes.ConfigureAwait(false));
        snapshot = snapshot with { Gtm = await gtmTask.ConfigureAwait(false) };
        // A master whose port refuses connections: its host may still be up, and then the end of its WAL on
        // disk says exactly what it wrote before it died (what a promote's safety is judged by).
        var refused = snapshot.Pairs.Where(p => p.Master.Status == ProbeStatus.Unreachable && !facts.ContainsKey((p.Master.Location.HostName, p.Master.Location.DataDir)))
            .Select(p => p.Master.Location).ToArray();
        if (refused.Length > 0)
        {
            foreach (var (key, value) in await GatherAsync(topology, refused, cancellationToken).ConfigureAwait(false)) facts[key] = value;
        }
        if (facts.Count == 0) return snapshot;
        return snapshot with
        {
            Pairs = snapshot.Pairs.Select(pair => pair with
            {
                Master = With(pair.Master, facts),
                Slave = pair.Slave is null ? null : With(pair.Slave, facts),
            }).ToArray(),
        };
    }

    private async Task<IReadOnlyList<GtmObservation>> ProbeGtmAsync(ClusterTopology topology, CancellationToken cancellationToken)
    {
        if (gtm is null || topology.Gtm is not { } settings || topology.Flavor is not (Flavor.PostgresXc or Flavor.PostgresXl)) return [];
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_lastGtm.Count > 0 && _lastGtm.All(g => g.Answered && now - g.CheckedAt < GtmProbeInterval)) return _lastGtm;
        }
        var timeout = topology.Monitor.ConnectTimeout + topology.Monitor.CommandTimeout;
        var servers = new[] { (settings.Gtm, Proxy: false) }.Concat(settings.Proxies.Select(p => (p, Proxy: true)));
        var probes = await Task.WhenAll(servers.Select(async s =>
        {
            var result = await gtm.ProbeAsync(new GtmEndpoint(s.Item1.Address, s.Item1.Port), topology.Flavor, timeout, cancellationToken).ConfigureAwait(false);
            return new GtmObservation(s.Item1.Name, s.Item1.Endpoint, s.Proxy, result.Status, result.Error, result.Elapsed, now);
        })).ConfigureAwait(false);
        lock (_gate) _lastGtm = probes;
        return probes;
    }

    private static ServerProbe With(ServerProbe probe, IReadOnlyDictionary<(string, string), ProcessFacts> facts) =>
        facts.TryGetValue((probe.Location.HostName, probe.Location.DataDir), out var found) ? probe with { Process = found } : probe;

    /// <summary>The servers whose process facts the flavor needs.</summary>
    public static IReadOnlyList<ServerLocation> Wanted(ClusterTopology topology) => topology.Flavor switch
    {
        Flavor.PostgresXl => topology.Datanodes.Where(p => p.Slave is not null).Select(p => p.Slave!).ToArray(),
        Flavor.PostgresXc => topology.Datanodes.Select(p => p.Master).ToArray(),
        _ => [],
    };

    private async Task<IReadOnlyDictionary<(string Host, string DataDir), ProcessFacts>> GatherAsync(
        ClusterTopology topology, IReadOnlyList<ServerLocation> servers, CancellationToken cancellationToken)
    {
        var timeout = topology.Monitor.ConnectTimeout + topology.Monitor.CommandTimeout;
        var perHost = servers.GroupBy(s => s.HostName).Select(async group =>
        {
            var dirs = group.Select(s => s.DataDir).Distinct(StringComparer.Ordinal).ToArray();
            if (topology.FindHost(group.Key) is not { } host)
                return dirs.Select(d => (group.Key, d, ProcessFacts.Failed($"host {group.Key} is not in the configuration", TimeSpan.Zero)));
            var started = time.GetTimestamp();
            try
            {
                var result = await shell.RunAsync(host, ProcessList.Command(host.PgBinDir, dirs), timeout, cancellationToken).ConfigureAwait(false);
                var elapsed = result.Elapsed;
                if (!result.Succeeded)
                    return dirs.Select(d => (group.Key, d, ProcessFacts.Failed($"the process list on {host.Name} failed (exit {result.ExitCode}): {result.Excerpt(160)}", elapsed)));
                var parsed = ProcessList.Parse(result.StandardOutput, elapsed);
                return dirs.Select(d => (group.Key, d, parsed.GetValueOrDefault(d) ?? ProcessFacts.Failed($"{d} missing from the process list of {host.Name}", elapsed)));
            }
            catch (RemoteExecutionException e)
            {
                return dirs.Select(d => (group.Key, d, ProcessFacts.Failed(e.Message, time.GetElapsedTime(started))));
            }
        });
        var all = await Task.WhenAll(perHost).ConfigureAwait(false);
        return all.SelectMany(x => x).ToDictionary(x => (x.Item1, x.Item2), x => x.Item3);
    }
}
