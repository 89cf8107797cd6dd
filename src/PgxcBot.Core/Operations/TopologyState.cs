using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Operations;

/// <summary>Which server of a pair is master now, when that differs from the config (after a promote).</summary>
public sealed record StoredRoles(string Datanode, ServerLocation Master, ServerLocation? Slave, DateTimeOffset At, string Reason);

public interface ITopologyStore
{
    Task<IReadOnlyList<StoredRoles>> GetRolesAsync(CancellationToken cancellationToken);
    Task SaveRolesAsync(StoredRoles roles, CancellationToken cancellationToken);
}

/// <summary>
/// The topology as it stands: the config's layout with the roles the store says changed since. The
/// config is what the operator wrote; who is master after a failover is something the bot learnt, and it
/// must survive a restart without anyone editing the config at 3 a.m.
/// </summary>
public sealed class TopologyState(ClusterTopology configured, ITopologyStore store, TimeProvider time)
{
    public ClusterTopology Configured => configured;

    public async Task<ClusterTopology> CurrentAsync(CancellationToken cancellationToken)
    {
        var topology = configured;
        foreach (var roles in await store.GetRolesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (topology.FindDatanode(roles.Datanode) is { } pair)
                topology = topology.WithPair(pair with { Master = ConfiguredRecord(pair, roles.Master), Slave = roles.Slave is null ? null : ConfiguredRecord(pair, roles.Slave) });
        }
        return topology;
    }

    /// <summary>The configured record of a stored server (same endpoint and data directory): it carries what
    /// the store does not keep (the XL pooler port).</summary>
    private static ServerLocation ConfiguredRecord(DatanodePair pair, ServerLocation stored) =>
        new[] { pair.Master, pair.Slave }.FirstOrDefault(s => s is not null && s.Endpoint == stored.Endpoint && s.DataDir == stored.DataDir) ?? stored;

    /// <summary>The slave became the master; the old master is now the (stale) slave, until rebuilt.</summary>
    public async Task<ClusterTopology> SwapRolesAsync(string datanode, string reason, CancellationToken cancellationToken)
    {
        var current = await CurrentAsync(cancellationToken).ConfigureAwait(false);
        var pair = current.FindDatanode(datanode) ?? throw new InvalidOperationException($"unknown datanode {datanode}");
        if (pair.Slave is null) throw new InvalidOperationException($"{datanode} has no slave to swap with");
        var swapped = pair with { Master = pair.Slave, Slave = pair.Master };
        await store.SaveRolesAsync(new StoredRoles(datanode, swapped.Master, swapped.Slave, time.GetUtcNow(), reason), cancellationToken).ConfigureAwait(false);
        return current.WithPair(swapped);
    }
}
