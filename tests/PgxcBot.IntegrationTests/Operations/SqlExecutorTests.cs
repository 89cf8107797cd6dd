using PgxcBot.Core.Runbooks;
using PgxcBot.Postgres;

namespace PgxcBot.IntegrationTests.Operations;

/// <summary>
/// The runbooks' statements over Npgsql on a real PostgreSQL 15 server: one pooled session per server whatever each
/// statement's timeout, and each statement held to its own timeout, not the monitor's. The async switch's steps use
/// two timeouts; with a pool per timeout, the first switch after a start opened two sessions on the master (a session
/// start each, on a master whose clients may be piling up behind blocked commits). And that one session stays open
/// between operations: the pool closed it after a minute idle, so a switch after a quiet minute started a backend.
/// </summary>
public sealed class SqlExecutorTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Statements_with_different_timeouts_share_one_session_and_each_may_run_as_long_as_its_own_timeout()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Async, cts.Token);
        var topology = LabTopology.For([pair.ToDatanodePair()], monitor: LabTopology.FastMonitor with { CommandTimeout = TimeSpan.FromSeconds(1) });
        await using var executor = new NpgsqlSqlExecutor(topology, new TestSecretResolver(), TimeProvider.System);
        var master = new SqlTarget("datanode1 master", pair.Master.Address, pair.Master.Port);

        var sessions = new HashSet<string?>();
        foreach (var timeout in new[] { 0.5, 2, 5, 0.5 })
        {
            var result = await executor.ExecuteAsync(master, "SELECT pg_backend_pid()", TimeSpan.FromSeconds(timeout), cts.Token);
            sessions.Add(result.Rows.Single()[0]);
        }
        // Longer than the monitor's 1 s command timeout, within its own 4 s.
        await executor.ExecuteAsync(master, "SELECT pg_sleep(1.5)", TimeSpan.FromSeconds(4), cts.Token);

        Assert.Single(sessions);
    }

    [Fact]
    public async Task One_session_per_server_stays_open_past_the_pools_idle_lifetime_and_serves_the_next_statement()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Async, cts.Token);
        var topology = LabTopology.For([pair.ToDatanodePair()], monitor: LabTopology.FastMonitor);
        // Idle sessions beyond the kept one close after 2 s here (a minute in production).
        await using var executor = new NpgsqlSqlExecutor(topology, new TestSecretResolver(), TimeProvider.System, TimeSpan.FromSeconds(2));
        var master = new SqlTarget("datanode1 master", pair.Master.Address, pair.Master.Port);

        // Two statements at once: two sessions. The pool's pruning closes one; the other must stay.
        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ =>
            executor.ExecuteAsync(master, "SELECT pg_backend_pid() FROM pg_sleep(0.5)", TimeSpan.FromSeconds(5), cts.Token)));
        var opened = answers.Select(a => a.Rows.Single()[0]).ToHashSet();
        Assert.Equal(2, opened.Count);
        var left = await Poll.UntilAsync(() => BotSessions.PidsAsync(pair.Master, "pgxcbot", cts.Token), pids => pids.Count == 1, TimeSpan.FromSeconds(60),
            "the pool's pruning to close the second idle session", cts.Token);

        var kept = left.Single().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var next = await executor.ExecuteAsync(master, "SELECT pg_backend_pid()", TimeSpan.FromSeconds(5), cts.Token);
        Assert.Equal(kept, next.Rows.Single()[0]);
        Assert.Contains(kept, opened);
    }
}
