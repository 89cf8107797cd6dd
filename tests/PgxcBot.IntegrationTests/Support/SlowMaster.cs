using System.Net;
using PgxcBot.Lab.Faults;

namespace PgxcBot.IntegrationTests.Support;

/// <summary>A real PostgreSQL 15 async pair whose master the bot reaches only through a <see cref="DelayProxy"/>: a
/// slow link or a loaded master. <see cref="Topology"/> names that master (no slave) with the given timeouts.</summary>
internal sealed class SlowMaster : IAsyncDisposable
{
    private SlowMaster(LabPair pair, DelayProxy proxy, ServerLocation master, ClusterTopology topology)
    {
        Pair = pair;
        Proxy = proxy;
        Master = master;
        Topology = topology;
    }

    public LabPair Pair { get; }
    public DelayProxy Proxy { get; }
    /// <summary>The master as the bot sees it: at the proxy's port.</summary>
    public ServerLocation Master { get; }
    public ClusterTopology Topology { get; }

    /// <param name="oneWay">The proxy's delay each way (a round trip costs twice this).</param>
    public static async Task<SlowMaster> StartAsync(TimeSpan oneWay, TimeSpan connectTimeout, TimeSpan commandTimeout, CancellationToken cancellationToken)
    {
        var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Async, cancellationToken);
        var proxy = new DelayProxy(IPAddress.Loopback, new IPEndPoint(IPAddress.Loopback, pair.Master.Port), oneWay);
        var real = pair.ToDatanodePair();
        var master = real.Master with { Port = proxy.Port };
        var topology = LabTopology.For([real with { Master = master, Slave = null }],
            monitor: LabTopology.FastMonitor with { ConnectTimeout = connectTimeout, CommandTimeout = commandTimeout });
        return new SlowMaster(pair, proxy, master, topology);
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Pair.DisposeAsync();
    }
}
