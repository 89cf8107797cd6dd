using PgxcBot.IntegrationTests.Operations;

namespace PgxcBot.IntegrationTests.Monitoring;

/// <summary>alerts.autoFailover on a real pair with a short grace period: an in-sync slave is promoted by
/// the monitor after the announcement; an asynchronous one never is.</summary>
public sealed class AutoFailoverTests(ITestOutputHelper output) : MonitorLabTest(TimeSpan.FromMinutes(3))
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly AlertSettings Auto = AlertSettings.Default with { AutoFailover = true, FailoverGrace = TimeSpan.FromSeconds(3) };

    private static bool Is(Notification n, NotificationKind kind, string key) => n.Kind == kind && n.IncidentKey == key;

    [Fact]
    public async Task A_killed_master_of_a_sync_pair_is_announced_then_promoted_by_the_monitor_and_the_coordinators_follow()
    {
        var lab = await StartSeenLabAsync(LabReplicationMode.Sync, Auto);
        var killedAt = Stopwatch.GetTimestamp();
        await lab.Pair.Master.KillAsync(Ct);

        await lab.Notifications.WaitForAsync(n => Is(n, NotificationKind.Raised, "datanode1/master-lost"), Deadline, "the master-lost alert", Ct);
        var (announced, announcedAt) = await lab.Notifications.WaitForAsync(n => n.Message.Title == "datanode1: automatic failover in 3 s", Deadline, "the announcement", Ct);
        output.WriteLine($"kill → announcement: {Stopwatch.GetElapsedTime(killedAt, announcedAt).TotalMilliseconds:0} ms");
        output.WriteLine(PlainTextRenderer.Render(announced.Message));
        var cancel = Assert.Single(announced.Message.Actions);
        Assert.StartsWith("/pgxc cancel ", cancel.Command);

        var (done, doneAt) = await lab.Notifications.WaitForAsync(n => n.Message.Title.StartsWith("datanode1: ", StringComparison.Ordinal)
            && (n.Message.Title.Contains("failed over automatically", StringComparison.Ordinal) || n.Message.Title.Contains("did not complete", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(90), "the end of the automatic failover", Ct);
        output.WriteLine($"kill → promoted: {Stopwatch.GetElapsedTime(killedAt, doneAt).TotalMilliseconds:0} ms");
        output.WriteLine(PlainTextRenderer.Render(done.Message));
        Assert.Equal("datanode1: failed over automatically", done.Message.Title);
        Assert.True(Stopwatch.GetElapsedTime(announcedAt, doneAt) >= TimeSpan.FromSeconds(2.5), "promoted before the grace period ended");

        Assert.False(await lab.QueryAsync<bool>(lab.Pair.Slave, "SELECT pg_is_in_recovery()", Ct));
        foreach (var coordinator in lab.Cluster.Coordinators)
            Assert.Equal($"datanode1|{lab.Pair.Slave.Port}|f", await OperationHarness.IdentityThroughAsync(coordinator, Ct));
    }

    [Fact]
    public async Task A_killed_master_of_an_async_pair_is_never_promoted_automatically_and_a_person_gets_the_promote_button()
    {
        var lab = await StartSeenLabAsync(LabReplicationMode.Async, Auto);
        await lab.Pair.Master.KillAsync(Ct);

        var (alert, _) = await lab.Notifications.WaitForAsync(n => Is(n, NotificationKind.Raised, "datanode1/master-lost"), Deadline, "the master-lost alert", Ct);
        Assert.Equal("/pgxc promote datanode1 --accept-data-loss",
            Assert.Single(alert.Message.Actions, a => a.Command.StartsWith("/pgxc promote", StringComparison.Ordinal)).Command);
        Assert.Contains(alert.Message.Actions, a => a.Command == "/pgxc ack datanode1/master-lost");
        var (declined, _) = await lab.Notifications.WaitForAsync(n => n.Message.Title == "datanode1: no automatic failover", Deadline, "why it will not fail over", Ct);
        output.WriteLine(PlainTextRenderer.Render(declined.Message));
        Assert.Contains(declined.Message.Lines, l => l.Contains("not a synchronous standby", StringComparison.Ordinal));
        // The advice's own step: a plain promote would be refused, so the button says what it accepts.
        var button = Assert.Single(declined.Message.Actions);
        Assert.Equal(("Promote (accept data loss)", "/pgxc promote datanode1 --accept-data-loss"), (button.Label, button.Command));

        await lab.PollsAsync(6, Ct); // twice the grace period
        Assert.True(await lab.QueryAsync<bool>(lab.Pair.Slave, "SELECT pg_is_in_recovery()", Ct));
        Assert.DoesNotContain(lab.Notifications.All, n => n.Message.Title.Contains("automatic failover in", StringComparison.Ordinal));
    }
}
