using PgxcBot.Core.Observation;
using PgxcBot.Core.Runbooks;
using PgxcBot.Core.Runbooks.Planners;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Operations;

/// <summary>
/// How each in-doubt prepared transaction stands on every datanode: prepared where the snapshot lists its gid;
/// elsewhere, on Postgres-XC/XL, what <c>pgxc_is_committed(xid)</c> says on that node (the transaction id is
/// the GTM's, the same on every node: true committed, false rolled back, NULL never seen there), as pgxc_clean
/// asks; on PostgreSQL unknown (there is no cluster-wide transaction id to ask by). A datanode without a
/// writable master in the snapshot, or that does not answer, is unreachable.
/// </summary>
public sealed class TwoPhaseFactsSource(ISqlExecutor sql)
{
    public async Task<TwoPhaseFacts> GatherAsync(ClusterTopology topology, ClusterSnapshot snapshot, IReadOnlyList<PreparedTransaction> inDoubt,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(inDoubt);
        var byGid = new Dictionary<string, IReadOnlyList<TwoPhaseParticipant>>(StringComparer.Ordinal);
        var databases = new Dictionary<(string, string), string>();
        foreach (var transaction in inDoubt.DistinctBy(t => t.Gid))
        {
            var participants = new List<TwoPhaseParticipant>();
            foreach (var pair in topology.Datanodes)
            {
                var observed = snapshot.Pairs.FirstOrDefault(p => p.Datanode == pair.Name);
                var facts = observed?.Master.Facts is { InRecovery: false } m ? m : observed?.Slave?.Facts is { InRecovery: false } s ? s : null;
                var server = Resolve2pcPlanner.Writable(topology, snapshot, pair.Name);
                if (facts is null || server is null)
                {
                    participants.Add(new(pair.Name, TwoPhaseStatus.Unreachable, "no writable master answered"));
                    continue;
                }
                if (facts.Prepared.FirstOrDefault(p => p.Gid == transaction.Gid) is { } here)
                {
                    databases[(pair.Name, transaction.Gid)] = here.Database;
                    participants.Add(new(pair.Name, TwoPhaseStatus.Prepared, "listed in pg_prepared_xacts"));
                    continue;
                }
                if (topology.Flavor == Flavor.PostgreSql)
                {
                    participants.Add(new(pair.Name, TwoPhaseStatus.Unknown, "not prepared there; PostgreSQL has no cluster-wide transaction id to ask how it ended"));
                    continue;
                }
                participants.Add(await AskAsync(topology, pair.Name, server, transaction, cancellationToken).ConfigureAwait(false));
            }
            byGid[transaction.Gid] = participants;
        }
        return new TwoPhaseFacts(byGid, databases);
    }

    private async Task<TwoPhaseParticipant> AskAsync(ClusterTopology topology, string datanode, ServerLocation server, PreparedTransaction transaction,
        CancellationToken cancellationToken)
    {
        if (!ulong.TryParse(transaction.Transaction, out var xid))
            return new(datanode, TwoPhaseStatus.Unknown, $"transaction id '{transaction.Transaction}' is not a number");
        var target = new SqlTarget($"{datanode} master", server.Address, server.Port);
        try
        {
            var answer = await sql.ExecuteAsync(target, $"SELECT pgxc_is_committed({SqlText.Literal(xid.ToString(System.Globalization.CultureInfo.InvariantCulture))}::xid)",
                topology.Monitor.CommandTimeout, cancellationToken).ConfigureAwait(false);
            return answer.Rows.FirstOrDefault()?.FirstOrDefault() switch
            {
                "t" => new(datanode, TwoPhaseStatus.Committed, $"pgxc_is_committed({xid}) is true"),
                "f" => new(datanode, TwoPhaseStatus.Aborted, $"pgxc_is_committed({xid}) is false"),
                _ => new(datanode, TwoPhaseStatus.Unknown, $"pgxc_is_committed({xid}) is NULL: it never ran there"),
            };
        }
        catch (SqlExecutionException e) when (e.Unreachable)
        {
            return new(datanode, TwoPhaseStatus.Unreachable, e.Message);
        }
        catch (SqlExecutionException e)
        {
            return new(datanode, TwoPhaseStatus.Unreachable, $"it could not be asked: {e.Message}");
        }
    }
}
