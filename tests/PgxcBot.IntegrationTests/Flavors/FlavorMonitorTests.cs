using PgxcBot.IntegrationTests.Monitoring;

namespace PgxcBot.IntegrationTests.Flavors;

/// <summary>
/// The monitor's automatic async switch on every flavor: with a writer committing through a coordinator (the
/// datanode master on plain PostgreSQL), kill -9 of datanode1's sync slave blocks commits until the monitor
/// switches the pair to async; once the slave is back the monitor makes it synchronous again. On XL the
/// slave is a stock standby (it refuses SQL), so the monitor sees it only through the master and the shell.
/// </summary>
public sealed class FlavorMonitorTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [SkippableTheory]
    [InlineData(Flavor.PostgreSql)]
    [InlineData(Flavor.PostgresXc)]
    [InlineData(Flavor.PostgresXl)]
    public async Task The_monitor_releases_commits_blocked_by_a_dead_sync_slave_and_restores_sync_on_every_flavor(Flavor flavor)
    {
        FlavorSkip.UnlessInstalled(flavor);
        using var timeout = new CancellationTokenSource(Budget);
        var ct = timeout.Token;
        await using var lab = await FlavorLab.StartAsync(flavor, ct, monitor: true);
        try
        {
            await lab.UntilAsync("datanode1", p => p.Condition == ObservedCondition.Sync, "datanode1 in sync", ct);
            await using var writer = await CommitWriter.StartAsync(lab.WriteConnection(), ct);
            await writer.WaitForCommitAfterAsync(Stopwatch.GetTimestamp(), Deadline, ct);

            var killedAt = Stopwatch.GetTimestamp();
            await lab.Cluster.Pair("datanode1").Slave.KillAsync(ct);
            var (switched, switchedAt) = await lab.Notifications.WaitForAsync(
                n => n.IncidentKey == "datanode1/slave-lost" && n.Message.Title.Contains("switched to async", StringComparison.Ordinal),
                Deadline, "the switch to async", ct, killedAt);
            await writer.WaitForCommitAfterAsync(switchedAt, Deadline, ct);
            var stall = writer.LongestGapAround(killedAt);
            output.WriteLine($"{flavor}: slave killed → '{switched.Message.Title}' after {Stopwatch.GetElapsedTime(killedAt, switchedAt).TotalMilliseconds:0} ms; longest commit gap {stall.TotalMilliseconds:0} ms");
            // Commits flow again well before the deadline: the monitor, not a person, released them.
            Assert.True(stall < Deadline, $"commits stalled {stall.TotalSeconds:0.0} s");

            var restartedAt = Stopwatch.GetTimestamp();
            await lab.Cluster.Pair("datanode1").Slave.StartAsync(ct);
            await lab.Notifications.WaitForAsync(n => n.Message.Title == "datanode1: back in sync", TimeSpan.FromSeconds(90), "sync re-enabled", ct, restartedAt);
            var back = await lab.UntilAsync("datanode1", p => p.Condition == ObservedCondition.Sync, "datanode1 in sync again", ct);
            Assert.False(back.CommitsBlocked);
            await writer.WaitForCommitAfterAsync(Stopwatch.GetTimestamp(), Deadline, ct);
        }
        catch
        {
            output.WriteLine(lab.Notifications.Dump());
            lab.WriteLogTails(output.WriteLine);
            throw;
        }
    }
}
