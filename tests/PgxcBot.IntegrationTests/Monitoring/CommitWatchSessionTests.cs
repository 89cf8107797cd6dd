using PgxcBot.Core.Observation;
using PgxcBot.Postgres;

namespace PgxcBot.IntegrationTests.Monitoring;

/// <summary>
/// The commit watch's sessions over Npgsql on a real PostgreSQL 15 master: a session given up while its sample is still
/// on its way (a slow or loaded master) closes its connection once that sample ends. The commit watch gives up a
/// session at every sample slower than its 250 ms bound and opens another; a session that kept its connection on every
/// such turn filled the master's max_connections (seen: 16 idle watch sessions on one lab master within two minutes).
/// </summary>
public sealed class CommitWatchSessionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Sessions_given_up_mid_sample_close_their_connections_once_the_sample_ends()
    {
        using var cts = new CancellationTokenSource(Budget);
        // 150 ms each way: a sample takes at least 300 ms, more than the 100 ms this test allows it.
        await using var slow = await SlowMaster.StartAsync(TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), cts.Token);
        var (pair, master, topology) = (slow.Pair, slow.Master, slow.Topology);
        var watch = new NpgsqlCommitWatch(new TestSecretResolver(), TimeProvider.System);

        const int rounds = 6;
        var closing = new List<Task>();
        for (var round = 0; round < rounds; round++)
        {
            var session = await watch.OpenAsync(topology, master, cts.Token);
            await Assert.ThrowsAsync<TimeoutException>(() => session.SampleAsync(TimeSpan.FromMilliseconds(100), cts.Token));
            // As the commit watch does: given up at once, its sample still on the wire, closed in the background.
            closing.Add(Task.Run(async () => await session.DisposeAsync(), CancellationToken.None));
        }

        var open = await Poll.UntilAsync(() => BotSessions.CountAsync(pair.Master, "pgxcbot-commit-watch", cts.Token), n => n == 0, TimeSpan.FromSeconds(20),
            "every given-up watch session to close its connection", cts.Token);
        output.WriteLine($"{rounds} sessions given up mid-sample; {open} still connected");
        await Task.WhenAll(closing).WaitAsync(TimeSpan.FromSeconds(10), cts.Token);
    }

    [Fact]
    public async Task A_session_whose_sample_was_late_goes_on_once_the_late_answer_is_in()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var slow = await SlowMaster.StartAsync(TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), cts.Token);
        await using var session = await new NpgsqlCommitWatch(new TestSecretResolver(), TimeProvider.System).OpenAsync(slow.Topology, slow.Master, cts.Token);

        await Assert.ThrowsAsync<TimeoutException>(() => session.SampleAsync(TimeSpan.FromMilliseconds(100), cts.Token));
        Assert.True(await session.SettledAsync(cts.Token), "the late answer came in: the session can go on");
        var sample = await session.SampleAsync(TimeSpan.FromSeconds(3), cts.Token);

        Assert.False(sample.InRecovery);
        Assert.Equal(1, slow.Proxy.Accepted);
        Assert.Equal(1, await BotSessions.CountAsync(slow.Pair.Master, "pgxcbot-commit-watch", cts.Token));
    }

    [Fact]
    public async Task A_sample_carries_the_masters_clock_and_its_wal_position_which_moves_with_a_write()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var master = await SlowMaster.StartAsync(TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), cts.Token);
        await using var session = await new NpgsqlCommitWatch(new TestSecretResolver(), TimeProvider.System).OpenAsync(master.Topology, master.Master, cts.Token);

        var before = await session.SampleAsync(TimeSpan.FromSeconds(3), cts.Token);
        await using (var connection = new NpgsqlConnection(master.Pair.Master.ConnectionString))
        {
            await connection.OpenAsync(cts.Token);
            await using var write = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS watch_wal (n int); INSERT INTO watch_wal VALUES (1)", connection);
            await write.ExecuteNonQueryAsync(cts.Token);
        }
        var after = await session.SampleAsync(TimeSpan.FromSeconds(3), cts.Token);
        output.WriteLine($"WAL {before.WalPosition} -> {after.WalPosition}; master clock {before.MasterClock:HH:mm:ss.ffffff} -> {after.MasterClock:HH:mm:ss.ffffff}");

        Assert.NotNull(before.WalPosition);
        Assert.True(after.WalPosition > before.WalPosition, "a committed write moves the master's WAL position");
        // The master's own clock (this host's): it moves between samples and reads the real time.
        Assert.True(after.MasterClock > before.MasterClock);
        Assert.InRange(after.MasterClock!.Value, DateTimeOffset.UtcNow.AddSeconds(-30), DateTimeOffset.UtcNow.AddSeconds(30));
    }
}
