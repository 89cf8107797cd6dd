namespace PgxcBot.IntegrationTests.Monitoring;

/// <summary>What still pages on real servers although people said they have it: a split brain during a maintenance
/// window (set by a request and a second person's approval, as chat does), and a worse kind after an incident was
/// acknowledged. The rest of the window stays quiet and the bot acts on nothing by itself.</summary>
public sealed class MaintenanceEscalationTests(ITestOutputHelper output) : MonitorLabTest(TimeSpan.FromMinutes(3))
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_split_brain_during_maintenance_pages_once_naming_the_window_and_the_bot_acts_on_nothing()
    {
        var lab = await StartSeenLabAsync(LabReplicationMode.Sync);
        var now = TimeProvider.System.GetUtcNow();
        var (request, _) = await lab.Maintenance.RequestMuteAsync(
            new MuteRequest(0, "datanode1", null, "bob-id", "bob", "kernel update", TimeSpan.FromMinutes(30), now, now + TimeSpan.FromMinutes(10)), Ct);
        var approval = await lab.Maintenance.ApproveMuteAsync(request.Id, "alice", TimeProvider.System.GetUtcNow(), Ct);
        Assert.NotNull(approval.Stored);
        await lab.PollsAsync(2, Ct);

        // Someone promotes the slave by hand while the master still takes writes: two writable masters.
        await lab.Pair.Slave.PromoteAsync(Ct);
        var (page, _) = await lab.Notifications.WaitForAsync(n => n.IncidentKey == "datanode1/split-brain", Deadline, "the split-brain page", Ct);
        var text = PlainTextRenderer.Render(page.Message);
        output.WriteLine(text);
        Assert.Equal("datanode1: SPLIT BRAIN", page.Message.Title);
        Assert.Contains("This pages although maintenance of datanode1 until", text);
        Assert.True(page.MentionOnCall, "a split brain pages the on-call even in maintenance");
        Assert.Equal(Severity.Critical, page.Message.Severity);
        Assert.Contains("set by bob, approved by alice", text);

        // Once, and nothing else about datanode1 is sent; no automatic change to the (old) master's replication.
        await lab.PollsAsync(4, Ct);
        output.WriteLine(lab.Notifications.Dump());
        Assert.Single(lab.Notifications.All, n => n.IncidentKey == "datanode1/split-brain");
        Assert.DoesNotContain(lab.Notifications.All, n => n.IncidentKey.StartsWith("datanode1/", StringComparison.Ordinal) && n.IncidentKey != "datanode1/split-brain");
        Assert.NotEqual("", await lab.QueryAsync<string>(lab.Pair.Master, "SHOW synchronous_standby_names", Ct));
    }

    [Fact]
    public async Task An_acknowledged_slave_lost_reminds_without_paging_but_the_master_loss_that_follows_pages()
    {
        var alerts = AlertSettings.Default with { Reminder = TimeSpan.FromSeconds(3) };
        var lab = await StartSeenLabAsync(LabReplicationMode.Async, alerts);

        await lab.Pair.Slave.KillAsync(Ct);
        var (raised, _) = await lab.Notifications.WaitForAsync(n => n.IncidentKey == "datanode1/slave-lost" && n.Kind == NotificationKind.Raised,
            Deadline, "the slave-lost alert", Ct);
        Assert.Contains(raised.Message.Actions, a => a.Command == "/pgxc ack datanode1/slave-lost");
        await lab.Maintenance.SaveAcknowledgementAsync(new Acknowledgement("datanode1/slave-lost", "alice", "rebooting node02", TimeProvider.System.GetUtcNow()), Ct);
        await lab.PollsAsync(1, Ct);
        var ackedAt = System.Diagnostics.Stopwatch.GetTimestamp();

        // Two reminder intervals: every reminder names the owner and pages nobody.
        var (owned, _) = await lab.Notifications.WaitForAsync(n => n.IncidentKey == "datanode1/slave-lost" && n.Kind == NotificationKind.Reminder,
            Deadline, "a reminder of the owned incident", Ct, since: ackedAt);
        Assert.StartsWith("Still going, owned by alice", owned.Message.Title, StringComparison.Ordinal);
        Assert.False(owned.MentionOnCall);

        // The slave comes back and the master dies: the slave-lost becomes a master-lost, and that pages although
        // the slave-lost was owned.
        await lab.Pair.Slave.StartAsync(Ct);
        await Support.Poll.UntilAsync(() => lab.QueryAsync<long>(lab.Pair.Master, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'", Ct),
            streaming => streaming == 1, Deadline, "the slave streaming again", Ct);
        var killedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        await lab.Pair.Master.KillAsync(Ct);
        var (worse, _) = await lab.Notifications.WaitForAsync(n => n.IncidentKey == "datanode1/master-lost" && n.Kind == NotificationKind.Raised,
            Deadline, "the page of the master's loss", Ct, since: killedAt);
        Assert.Equal(Severity.Critical, worse.Message.Severity);
        output.WriteLine(lab.Notifications.Dump());
        Assert.True(worse.MentionOnCall, $"{worse.IncidentKey} pages the on-call");
        Assert.Contains(worse.Message.Actions, a => a.Command == $"/pgxc ack {worse.IncidentKey}");
        Assert.All(lab.Notifications.All.Where(n => n.IncidentKey == "datanode1/slave-lost" && n.Kind == NotificationKind.Reminder),
            n => Assert.False(n.MentionOnCall, "an owned incident's reminders never page"));
    }
}
