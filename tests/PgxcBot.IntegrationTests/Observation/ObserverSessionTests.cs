using PgxcBot.Postgres;

namespace PgxcBot.IntegrationTests.Observation;

/// <summary>
/// The observer keeps one session per server between polls on a real PostgreSQL 15 pair. Npgsql's pruning counts a
/// session used once a second as idle (it is, between polls), so with none kept every server's probe session was closed
/// each minute and the next poll started a backend on every server (measured: all 32 sessions of 16 lab pairs replaced
/// in one wave a minute).
/// </summary>
public sealed class ObserverSessionTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task One_session_per_server_outlives_the_pools_idle_lifetime_and_serves_the_next_poll()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Async, cts.Token);
        var topology = LabTopology.For(pair);
        // Idle sessions beyond the kept one close after 2 s here (a minute in production).
        await using var observer = new NpgsqlClusterObserver(new TestSecretResolver(), TimeProvider.System,
            NullLogger<NpgsqlClusterObserver>.Instance, TimeSpan.FromSeconds(2));

        // Polls at once: a session each on each server. The pruning closes the extra ones; one per server must stay.
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => observer.ObserveAsync(topology, cts.Token)));
        foreach (var server in new[] { pair.Master, pair.Slave })
            Assert.True((await BotSessions.PidsAsync(server, "pgxcbot", cts.Token)).Count >= 2, "three polls at once opened more than one session");
        var left = new Dictionary<LabServer, int>();
        foreach (var server in new[] { pair.Master, pair.Slave })
            left[server] = (await Poll.UntilAsync(() => BotSessions.PidsAsync(server, "pgxcbot", cts.Token), pids => pids.Count == 1, TimeSpan.FromSeconds(60),
                "the pool's pruning to close the extra idle sessions", cts.Token)).Single();

        var next = await observer.ObserveAsync(topology, cts.Token);

        Assert.Equal(Core.Observation.ProbeStatus.Ok, next.Pair("datanode1").Master.Status);
        Assert.Equal(Core.Observation.ProbeStatus.Ok, next.Pair("datanode1").Slave!.Status);
        foreach (var (server, pid) in left)
            Assert.Equal([pid], await BotSessions.PidsAsync(server, "pgxcbot", cts.Token));
    }
}
