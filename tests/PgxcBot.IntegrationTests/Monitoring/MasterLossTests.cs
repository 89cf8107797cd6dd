namespace PgxcBot.IntegrationTests.Monitoring;

/// <summary>The master-lost page on a real PostgreSQL 15 pair (<see cref="MasterLossRule"/>): a master paused
/// (SIGSTOP) for 1.2 s does not page, one paused for 2.5 s does, and a killed one pages fast.</summary>
public sealed class MasterLossTests(ITestOutputHelper output) : MonitorLabTest(TimeSpan.FromMinutes(3))
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>A frozen master times out, so it is "unobservable" rather than "lost": either is the page about it.</summary>
    private static bool AboutTheMaster(Notification n) => n.IncidentKey is "datanode1/master-lost" or "datanode1/master-unobservable";

    private static bool MasterLostRaised(Notification n) => n.Kind == NotificationKind.Raised && AboutTheMaster(n);

    /// <summary>Pauses the master's processes for <paramref name="duration"/> (the fault's length is the point
    /// of the test, not a wait for something to happen), then lets it run again.</summary>
    /// <returns>How long the master was really paused, from the first SIGSTOP to the last SIGCONT (a loaded
    /// host wakes the delay late).</returns>
    private async Task<TimeSpan> FreezeMasterAsync(MonitorLab lab, TimeSpan duration)
    {
        var started = Stopwatch.GetTimestamp();
        await lab.Pair.Master.FreezeAsync(Ct);
        try { await Task.Delay(duration, Ct); }
        finally { await lab.Pair.Master.ThawAsync(Ct); }
        return Stopwatch.GetElapsedTime(started);
    }

    [Fact]
    public async Task A_master_paused_for_1_2_s_does_not_page_and_one_paused_for_5_s_does()
    {
        var lab = await StartSeenLabAsync(LabReplicationMode.Sync);

        // Three pauses that really lasted at most 1.5 s (the rule's promise); one a loaded host stretched past that
        // proves nothing either way, so it is not counted, and a page it caused is let clear first.
        for (int counted = 0, tries = 0; counted < 3; tries++)
        {
            Assert.True(tries < 8, $"only {counted} of 8 pauses stayed within 1.5 s: the host is too loaded for this test");
            var before = lab.Notifications.All.Count(AboutTheMaster);
            var pauseStarted = Stopwatch.GetTimestamp();
            var paused = await FreezeMasterAsync(lab, TimeSpan.FromSeconds(1.2));
            await lab.PollsAsync(3, Ct);
            var paged = lab.Notifications.All.Where(AboutTheMaster).Skip(before).ToList();
            output.WriteLine($"pause {tries + 1}: {paused.TotalMilliseconds:0} ms, {paged.Count} notification(s) about the master");
            if (paused <= TimeSpan.FromSeconds(1.5))
            {
                Assert.True(paged.Count == 0, $"a pause of {paused.TotalMilliseconds:0} ms paged: {string.Join("; ", paged.Select(n => n.Message.Title))}");
                counted++;
            }
            else if (paged.Any(MasterLostRaised))
                await lab.Notifications.WaitForAsync(n => n.Kind == NotificationKind.Cleared && AboutTheMaster(n), Deadline, "the all-clear of an overrun pause", Ct, pauseStarted);
        }
        output.WriteLine($"requested polls {lab.Monitor.RequestedPolls}");

        // A silent master pages on two failed probes spanning MinimumOutage. Between 1.6 s and about 3 s a freeze pages
        // or not depending on where the probes fall (2.5 s paged after 2.0 s alone, and not at all once in CI); 5 s
        // leaves room for two probes of the full timeout whatever their phase.
        var frozenAt = Stopwatch.GetTimestamp();
        await FreezeMasterAsync(lab, TimeSpan.FromSeconds(5));
        // Only what came after the freeze began. An overrun pause above may have paged and cleared already: then this
        // outage is the same incident come back within the reopen window, announced as "Back again", and its all-clear
        // waits until it has stayed away for that window (flapping), so only a fresh page is followed to its clear.
        var (page, pagedAt) = await lab.Notifications.WaitForAsync(n => MasterLostRaised(n) || MasterLostReturned(n), Deadline,
            "the master-lost page (or its return)", Ct, frozenAt);
        output.WriteLine($"5 s pause → {page.Kind} after {Stopwatch.GetElapsedTime(frozenAt, pagedAt).TotalMilliseconds:0} ms");
        Assert.True(Stopwatch.GetElapsedTime(frozenAt, pagedAt) >= MasterLossRule.MinimumOutage, "paged before the minimum outage");
        if (page.Kind == NotificationKind.Raised)
            await lab.Notifications.WaitForAsync(n => n.Kind == NotificationKind.Cleared && AboutTheMaster(n), Deadline, "the all-clear", Ct, pagedAt);
    }

    private static bool MasterLostReturned(Notification n) =>
        n.Kind == NotificationKind.Reminder && AboutTheMaster(n) && n.Message.Title.StartsWith("Back again:", StringComparison.Ordinal);

    [Fact]
    public async Task A_killed_master_pages_within_seconds()
    {
        var lab = await StartSeenLabAsync(LabReplicationMode.Sync);
        var killedAt = Stopwatch.GetTimestamp();
        await lab.Pair.Master.KillAsync(Ct);
        var (alert, at) = await lab.Notifications.WaitForAsync(MasterLostRaised, Deadline, "the master-lost alert", Ct);
        var after = Stopwatch.GetElapsedTime(killedAt, at);
        output.WriteLine($"master killed → page after {after.TotalMilliseconds:0} ms");
        Assert.True(alert.MentionOnCall);
        // Behaviour, not speed (the benchmark measures that): well inside the old two-poll damping on a loaded machine.
        Assert.True(after < TimeSpan.FromSeconds(3), $"paged {after.TotalSeconds:0.0} s after the kill");
    }
}
