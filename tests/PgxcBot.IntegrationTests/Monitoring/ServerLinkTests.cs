using System.Diagnostics;
using PgxcBot.Core.Observation;
using PgxcBot.Postgres;

namespace PgxcBot.IntegrationTests.Monitoring;

/// <summary>
/// The commit watch's link to a slave over Npgsql, on a real PostgreSQL 15 pair: an idle connection that hears the
/// slave's end without a query. Each way a server's processes end closes it: all of them killed (kill -9), the
/// postmaster alone killed (its idle backend notices), a fast shutdown (the server says FATAL first). Closing the link
/// ourselves ends the session on the server and is not taken for a loss.
/// </summary>
public sealed class ServerLinkTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);

    /// <summary>Far longer than a link takes (milliseconds), short enough to fail fast when it never hears.</summary>
    private static readonly TimeSpan Heard = TimeSpan.FromSeconds(10);

    public static TheoryData<string> Ends => ["kill -9 of every process", "kill -9 of the postmaster alone", "fast shutdown"];

    [Theory]
    [MemberData(nameof(Ends))]
    public async Task A_link_to_a_slave_hears_the_slave_end_without_asking_anything(string end)
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Async, cts.Token);
        var datanode = pair.ToDatanodePair();
        var topology = LabTopology.For([datanode]);
        await using var link = await new NpgsqlCommitWatch(new TestSecretResolver(), TimeProvider.System).LinkAsync(topology, datanode.Slave!, cts.Token);

        Assert.NotNull(link);
        Assert.Equal(1, await BotSessions.CountAsync(pair.Slave, "pgxcbot-slave-link", cts.Token));
        Assert.False(link.Lost.IsCompleted, "a live slave's link is not lost");

        var endedAt = Stopwatch.GetTimestamp();
        switch (end)
        {
            case "kill -9 of every process": await pair.Slave.KillAsync(cts.Token); break;
            case "kill -9 of the postmaster alone": await pair.Slave.KillPostmasterOnlyAsync(cts.Token); break;
            default: await pair.Slave.StopAsync(cts.Token); break;
        }
        await link.Lost.WaitAsync(Heard, cts.Token);
        output.WriteLine($"{end}: the link heard it {Stopwatch.GetElapsedTime(endedAt).TotalMilliseconds:0} ms after the signal");
    }

    [Fact]
    public async Task Closing_a_link_ends_its_session_on_the_server_and_is_not_a_loss()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Async, cts.Token);
        var datanode = pair.ToDatanodePair();
        var link = await new NpgsqlCommitWatch(new TestSecretResolver(), TimeProvider.System).LinkAsync(LabTopology.For([datanode]), datanode.Slave!, cts.Token);
        Assert.NotNull(link);
        Assert.Equal(1, await BotSessions.CountAsync(pair.Slave, "pgxcbot-slave-link", cts.Token));

        await link.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10), cts.Token);

        await Poll.UntilAsync(() => BotSessions.CountAsync(pair.Slave, "pgxcbot-slave-link", cts.Token), n => n == 0, TimeSpan.FromSeconds(20),
            "the link's session to end on the slave", cts.Token);
        Assert.False(link.Lost.IsCompleted, "a link we closed is not a slave lost");
    }
}
