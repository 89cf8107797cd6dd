using PgxcBot.Store;

namespace PgxcBot.IntegrationTests.Monitoring;

/// <summary>A maintenance window on a real sync pair watched by the real monitor: the sync slave is killed
/// during the window (no page, no automatic async, status shows the muted incidents and the blocked commits),
/// the bot restarts during it (still muted), and at its end the window says so and the next poll switches to async.</summary>
public sealed class MaintenanceMonitorTests(ITestOutputHelper output) : MonitorLabTest(TimeSpan.FromMinutes(3))
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Maintenance_mutes_a_killed_sync_slave_survives_a_restart_and_its_end_lets_the_async_switch_happen()
    {
        var lab = await StartSeenLabAsync(LabReplicationMode.Sync);
        var now = TimeProvider.System.GetUtcNow();
        await lab.Maintenance.SetMuteAsync(new Mute(0, "datanode1", null, "alice", "kernel update", now, now + Window), Ct);
        var setAt = Stopwatch.GetTimestamp();
        await using var writer = await CommitWriter.StartAsync(lab.Pair.Master.ConnectionString, Ct);
        await writer.WaitForCommitAfterAsync(Stopwatch.GetTimestamp(), Deadline, Ct);

        var killedAt = TimeProvider.System.GetUtcNow();
        await lab.Pair.Slave.KillAsync(Ct);
        await lab.PollsAsync(5, Ct);
        await AssertMutedAsync(lab, "before the restart");

        await lab.RestartMonitorAsync(Ct);
        await lab.PollsAsync(3, Ct);
        await AssertMutedAsync(lab, "after the restart");
        Assert.True(Stopwatch.GetElapsedTime(setAt) < Window, "the checks must run inside the window; the lab was too slow for this window");

        // The window ends by itself: one message that names what is still going, then the usual async switch.
        var (ended, _) = await lab.Notifications.WaitForAsync(n => n.IncidentKey == "datanode1/maintenance", Window + Deadline, "the end of the window", Ct);
        var text = PlainTextRenderer.Render(ended.Message);
        output.WriteLine(text);
        Assert.Contains("Maintenance of datanode1 ended by itself", text);
        Assert.Contains("datanode1/commits-blocked", text);
        var (switched, _) = await lab.Notifications.WaitForAsync(n => n.IncidentKey == "datanode1/slave-lost" && n.Message.Title.Contains("switched to async", StringComparison.Ordinal),
            Deadline, "the automatic switch to async after the window", Ct);
        Assert.Equal("", await lab.QueryAsync<string>(lab.Pair.Master, "SHOW synchronous_standby_names", Ct));

        // Since when: the slave's real loss (seen during the window, before the restart), not the window's end.
        var since = Assert.Single(switched.Message.Fields, f => f.Name == "Slave unresponsive since").Value;
        var lostAt = TimeOnly.ParseExact(since.Replace(" UTC", "", StringComparison.Ordinal), "HH:mm:ss.f", System.Globalization.CultureInfo.InvariantCulture);
        var killed = TimeOnly.FromDateTime(killedAt.UtcDateTime);
        output.WriteLine($"killed at {killed:HH:mm:ss.f}, unresponsive since {lostAt:HH:mm:ss.f}, window ended {ended.Message.Title}");
        Assert.InRange((killedAt.UtcDateTime.Date + lostAt.ToTimeSpan() - killedAt.UtcDateTime).TotalSeconds, -1, 10);
        Assert.Contains($"unresponsive since about {since}", PlainTextRenderer.Render(switched.Message));
        output.WriteLine(lab.Notifications.Dump());
    }

    private async Task AssertMutedAsync(MonitorLab lab, string when)
    {
        Assert.DoesNotContain(lab.Notifications.All, n => n.IncidentKey.StartsWith("datanode1/", StringComparison.Ordinal));
        Assert.NotEqual("", await lab.QueryAsync<string>(lab.Pair.Master, "SHOW synchronous_standby_names", Ct));
        var incidents = await new SqliteMonitorStore(lab.Store, TimeProvider.System).GetActiveIncidentsAsync(Ct);
        var state = new MaintenanceState(await lab.Maintenance.GetLastingMutesAsync(Ct), []);
        var status = string.Join("\n", MaintenanceMessages.StatusLines(state, incidents, "datanode1"));
        output.WriteLine($"status {when}:\n{status}");
        Assert.Contains("Maintenance of datanode1 until", status);
        Assert.Contains("set by alice", status);
        Assert.Contains("muted: datanode1/commits-blocked", status);
        Assert.Contains("muted: datanode1/slave-lost", status);
    }
}
