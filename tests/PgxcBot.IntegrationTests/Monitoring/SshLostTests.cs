using PgxcBot.IntegrationTests.Ssh;

namespace PgxcBot.IntegrationTests.Monitoring;

/// <summary>The monitor's SSH check against a real sshd: stopping the daemon raises host/NAME/ssh-lost,
/// starting it again clears it.</summary>
public sealed class SshLostTests(ITestOutputHelper output) : MonitorLabTest(TimeSpan.FromMinutes(2))
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private SshServer? _sshd;

    [Fact]
    public async Task Stopping_sshd_on_a_host_raises_ssh_lost_and_starting_it_clears_it()
    {
        _sshd = await SshServer.StartAsync(cancellationToken: Ct);
        // A fast cadence for the test; the config's minimum is 5 s.
        var alerts = AlertSettings.Default with { SshCheck = TimeSpan.FromSeconds(1) };
        var lab = await StartLabAsync(LabReplicationMode.Async, alerts,
            topology => topology with { Hosts = [.. topology.Hosts, _sshd.Host("sshhost")] });
        await lab.PollsAsync(4, Ct);
        Assert.DoesNotContain(lab.Notifications.All, n => n.IncidentKey.StartsWith("host/", StringComparison.Ordinal));

        var stoppedAt = Stopwatch.GetTimestamp();
        _sshd.StopDaemon();
        var (alert, at) = await lab.Notifications.WaitForAsync(n => n.Kind == NotificationKind.Raised && n.IncidentKey == "host/sshhost/ssh-lost",
            Deadline, "the ssh-lost alert", Ct);
        output.WriteLine($"sshd stopped → alert after {Stopwatch.GetElapsedTime(stoppedAt, at).TotalMilliseconds:0} ms");
        output.WriteLine(PlainTextRenderer.Render(alert.Message));
        Assert.Equal("SSH to sshhost lost", alert.Message.Title);
        Assert.Contains(alert.Message.Lines, l => l.Contains("does not answer on its SSH port", StringComparison.Ordinal));
        Assert.Contains(alert.Message.Lines, l => l.StartsWith("Next: Check that sshhost is up", StringComparison.Ordinal));

        await _sshd.StartDaemonAsync(Ct);
        var (cleared, _) = await lab.Notifications.WaitForAsync(n => n.Kind == NotificationKind.Cleared && n.IncidentKey == "host/sshhost/ssh-lost",
            Deadline, "the recovery of SSH", Ct);
        output.WriteLine(PlainTextRenderer.Render(cleared.Message));
        Assert.Single(lab.Notifications.All, n => n.Kind == NotificationKind.Raised && n.IncidentKey == "host/sshhost/ssh-lost");
    }

    protected override async Task DisposeMoreAsync()
    {
        if (_sshd is not null) await _sshd.DisposeAsync();
    }
}
