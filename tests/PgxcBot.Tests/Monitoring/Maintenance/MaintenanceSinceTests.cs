using PgxcBot.Tests.Assessment;
using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Monitoring.Maintenance;

/// <summary>After a window ends on a pair whose slave died during it, the async switch says since when the slave is
/// unresponsive from what was seen (during the window too, or stored before a restart), never the window's end.</summary>
public class MaintenanceSinceTests
{
    private const long LagLimit = 16L * 1024 * 1024;
    private readonly FakeTimeProvider _time = new(ClusterBuilder.Now);

    private static readonly MaintenanceState Window = new(
        [new Mute(1, "datanode1", null, "bob", "kernel update", ClusterBuilder.Now.AddHours(-1), ClusterBuilder.Now.AddSeconds(-1))], []);

    [Fact]
    public void The_last_poll_that_saw_the_slave_stream_during_the_window_dates_the_loss()
    {
        var autopilot = new AsyncSwitchAutopilot(AlertSettings.Default, _time);
        // Polls during the window: the slave streams, then dies; the autopilot sees neither (no action in maintenance).
        foreach (var assessment in new[]
        {
            new ClusterBuilder { TakenAt = ClusterBuilder.Now.AddMinutes(-20) }.Assess(),
            new ClusterBuilder { TakenAt = ClusterBuilder.Now.AddMinutes(-19) }.SlaveKilled().Assess(),
        })
        {
            autopilot.Watch(assessment);
            var automated = MaintenanceRules.ForAutomation(assessment, Window);
            Assert.Empty(automated.Pairs);
            Assert.Empty(autopilot.Decide(automated, AlertRules.From(automated), LagLimit).Intents);
        }

        // The window has ended; the first poll after it switches to async, dated from the last sighting streaming.
        var after = new ClusterBuilder().SlaveKilled().Assess();
        autopilot.Watch(after);
        Assert.Single(autopilot.Decide(after, AlertRules.From(after), LagLimit).Intents);
        var record = autopilot.Find("datanode1")!;
        Assert.Equal(ClusterBuilder.Now.AddMinutes(-20), record.LostAt);
        Assert.Contains("the last poll that saw the slave streaming was at 02:40:00.0 UTC", record.LostEvidence);
    }

    [Fact]
    public void After_a_restart_during_the_window_the_stored_incident_dates_the_loss()
    {
        // A fresh process: it never saw the slave stream; the incident engine's stored slave-lost did see it go.
        var autopilot = new AsyncSwitchAutopilot(AlertSettings.Default, _time);
        var after = new ClusterBuilder().SlaveKilled().Assess();
        autopilot.Watch(after);
        Assert.Single(autopilot.Decide(after, AlertRules.From(after), LagLimit, _ => ClusterBuilder.Now.AddMinutes(-12)).Intents);
        var record = autopilot.Find("datanode1")!;
        Assert.Equal(ClusterBuilder.Now.AddMinutes(-12), record.LostAt);
        Assert.Equal("the bot first saw it lost at 02:48:00.0 UTC", record.LostEvidence);
    }

    [Fact]
    public void Without_any_earlier_sighting_the_loss_is_dated_now_as_before()
    {
        var autopilot = new AsyncSwitchAutopilot(AlertSettings.Default, _time);
        var after = new ClusterBuilder().SlaveKilled().Assess();
        Assert.Single(autopilot.Decide(after, AlertRules.From(after), LagLimit, _ => null).Intents);
        Assert.Equal(ClusterBuilder.Now, autopilot.Find("datanode1")!.LostAt);
    }
}
