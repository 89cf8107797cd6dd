using System.Diagnostics;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Monitoring;
using PgxcBot.Lab.Pairs;
using Xunit.Abstractions;

namespace PgxcBot.IntegrationTests.Monitoring;

/// <summary>The master-lost page on a real PostgreSQL 15 pair (<see cref="MasterLossRule"/>): a master paused
/// (SIGSTOP) for 1.2 s does not page, one paused for 2.5 s does, and a killed one pages fast.</summary>
public sealed class MasterLossTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));
    private MonitorLab? _lab;
    private CancellationToken Ct => _timeout.Token;

    /// <summary>A frozen master times out, so it is "unobservable" rather than "lost": either is the page about it.</summary>
    private static bool AboutTheMaster(Notification n) => n.IncidentKey is "datanode1/master-lost" or "datanode1/master-unobservable";

    private static bool MasterLostRaised(Notification n) => n.Kind == NotificationKind.Raised && AboutTheMaster(n);

    /// <summary>Pauses the master's processes for <paramref name="duration"/> (the fault's length is the point
    /// of the test, not a wait for something to happen), then lets it run again.</summary>
    private async Task FreezeMasterAsync(MonitorLab lab, TimeSpan duration)
    {
        await lab.Pair.Master.FreezeAsync(Ct);
        try { await Task.Delay(duration, Ct); }
        finally { await lab.Pair.Master.ThawAsync(Ct); }
    }

    [Fact]
    public async Task A_master_paused_for_1_2_s_does_not_page_and_one_paused_for_2_5_s_does()
    {
        var lab = _lab = await MonitorLab.StartAsync(LabReplicationMode.Sync, Ct);
        await lab.PollsAsync(2, Ct);

        for (var i = 0; i < 3; i++)
        {
            await FreezeMasterAsync(lab, TimeSpan.FromSeconds(1.2));
            await lab.PollsAsync(3, Ct);
        }
        output.WriteLine($"after three 1.2 s pauses: {lab.Notifications.All.Count} notification(s); requested polls {lab.Monitor.RequestedPolls}");
        Assert.DoesNotContain(lab.Notifications.All, AboutTheMaster);

        var frozenAt = Stopwatch.GetTimestamp();
        await FreezeMasterAsync(lab, TimeSpan.FromSeconds(2.5));
        var (_, pagedAt) = await lab.Notifications.WaitForAsync(MasterLostRaised, Deadline, "the master-lost page", Ct);
        output.WriteLine($"2.5 s pause → page after {Stopwatch.GetElapsedTime(frozenAt, pagedAt).TotalMilliseconds:0} ms");
        Assert.True(Stopwatch.GetElapsedTime(frozenAt, pagedAt) >= MasterLossRule.MinimumOutage, "paged before the minimum outage");
        await lab.Notifications.WaitForAsync(n => n.Kind == NotificationKind.Cleared && AboutTheMaster(n), Deadline, "the all-clear", Ct);
    }

    [Fact]
    public async Task A_killed_master_pages_within_seconds()
    {
        var lab = _lab = await MonitorLab.StartAsync(LabReplicationMode.Sync, Ct);
        await lab.PollsAsync(2, Ct);
        var killedAt = Stopwatch.GetTimestamp();
        await lab.Pair.Master.KillAsync(Ct);
        var (alert, at) = await lab.Notifications.WaitForAsync(MasterLostRaised, Deadline, "the master-lost alert", Ct);
        var after = Stopwatch.GetElapsedTime(killedAt, at);
        output.WriteLine($"master killed → page after {after.TotalMilliseconds:0} ms");
        Assert.True(alert.MentionOnCall);
        // Behaviour, not speed (the benchmark measures that): well inside the old two-poll damping on a loaded machine.
        Assert.True(after < TimeSpan.FromSeconds(3), $"paged {after.TotalSeconds:0.0} s after the kill");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_lab is not null) await _lab.DisposeAsync();
        _timeout.Dispose();
    }
}
