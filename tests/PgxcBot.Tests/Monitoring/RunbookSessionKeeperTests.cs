using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PgxcBot.Core.Runbooks;
using PgxcBot.Monitoring;
using PgxcBot.Tests.Discord;

namespace PgxcBot.Tests.Monitoring;

/// <summary>
/// A runbook session is kept open on every datanode master, so that an automatic async switch does not start a backend
/// on a master whose commits wait (the pool closed an idle one after a minute): every master at start, again at each
/// check, the current roles each time, and a master that does not answer holds up neither the others nor later checks.
/// </summary>
public sealed class RunbookSessionKeeperTests
{
    /// <summary>Records each statement by endpoint; the endpoints in <see cref="Down"/> refuse connections.</summary>
    private sealed class RecordingSql : ISqlExecutor
    {
        public ConcurrentQueue<(string Endpoint, string Sql)> Ran { get; } = new();
        public HashSet<string> Down { get; } = new(StringComparer.Ordinal);
        /// <summary>Endpoints whose statement fails in a way the executor never reports (a bug, a missing secret file).</summary>
        public HashSet<string> Broken { get; } = new(StringComparer.Ordinal);

        public Task<SqlResult> ExecuteAsync(SqlTarget target, string sql, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var endpoint = $"{target.Address}:{target.Port}";
            Ran.Enqueue((endpoint, sql));
            if (Broken.Contains(endpoint)) throw new InvalidOperationException("not an SQL failure");
            return Down.Contains(endpoint)
                ? Task.FromException<SqlResult>(new SqlExecutionException(target, null, "connection refused"))
                : Task.FromResult(new SqlResult(["?column?"], [["1"]]));
        }
    }

    [Fact]
    public async Task Every_master_gets_its_session_at_start_and_at_each_check_with_the_current_roles()
    {
        var topology = new ClusterBuilder(datanodes: 3).Topology();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-02T06:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var roles = new TopologyState(topology, new MemoryTopologyStore(), time);
        var sql = new RecordingSql();
        // datanode2's master does not answer, datanode3's fails otherwise: the others are still kept, and both are tried
        // again at the next check.
        sql.Down.Add(topology.Datanodes[1].Master.Endpoint);
        sql.Broken.Add(topology.Datanodes[2].Master.Endpoint);
        using var keeper = new RunbookSessionKeeper(roles, sql, time, NullLogger<RunbookSessionKeeper>.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await keeper.StartAsync(stop.Token);
        try
        {
            await Eventually.HoldsAsync(() => keeper.Rounds == 1, "the first round");
            var masters = topology.Datanodes.Select(p => p.Master.Endpoint).ToArray();
            Assert.Equal(masters, sql.Ran.Select(r => r.Endpoint));
            Assert.All(sql.Ran, r => Assert.Equal(RunbookSessions.CheckSql, r.Sql));

            // datanode1's slave was promoted: the next check keeps a session on it, not on the old master.
            await roles.SwapRolesAsync("datanode1", "promoted", stop.Token);
            time.Advance(RunbookSessions.CheckEvery - TimeSpan.FromSeconds(1));
            Assert.Equal(1, keeper.Rounds);
            time.Advance(TimeSpan.FromSeconds(1));
            await Eventually.HoldsAsync(() => keeper.Rounds == 2, "the check a minute later");
            Assert.Equal([topology.Datanodes[0].Slave!.Endpoint, masters[1], masters[2]], sql.Ran.Skip(3).Select(r => r.Endpoint));
        }
        finally
        {
            await keeper.StopAsync(CancellationToken.None);
        }
    }
}
