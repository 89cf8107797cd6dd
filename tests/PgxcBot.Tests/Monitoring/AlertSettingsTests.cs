using PgxcBot.Tests.Secrets;

namespace PgxcBot.Tests.Monitoring;

public class AlertSettingsTests
{
    [Fact]
    public void Without_an_alerts_section_the_defaults_apply()
    {
        var topology = TestConfigs.Validate(TestConfigs.Minimal()).Topology!;
        Assert.Equal(AlertSettings.Default, topology.Alerts);
        Assert.Equal(AutomationPolicy.Auto, topology.Alerts.AsyncSwitchPolicy);
        Assert.Equal(2, topology.Alerts.FlapPolls);
        Assert.Equal(TimeSpan.FromMinutes(30), topology.Alerts.Reminder);
        Assert.Equal(TimeSpan.FromSeconds(1), topology.Monitor.Interval);
    }

    [Fact]
    public void The_alerts_section_is_read()
    {
        var config = TestConfigs.Minimal();
        config["alerts"] = new System.Text.Json.Nodes.JsonObject
        {
            ["degradePolicy"] = "ask", ["resyncPolicy"] = "off", ["flapPolls"] = 3, ["reminderMinutes"] = 15, ["reopenWindowMinutes"] = 5,
        };
        var alerts = TestConfigs.Validate(config).Topology!.Alerts;
        Assert.Equal(new AlertSettings(AutomationPolicy.Ask, AutomationPolicy.Off, 3, TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(5), false, TimeSpan.FromSeconds(30)), alerts);
    }

    [Fact]
    public void Every_mistake_is_reported_with_its_path()
    {
        var config = TestConfigs.Minimal();
        config["alerts"] = new System.Text.Json.Nodes.JsonObject
        {
            ["degradePolicy"] = "sometimes", ["flapPolls"] = 0, ["reminderMinutes"] = -1, ["graceSeconds"] = 1,
        };
        var report = TestConfigs.Validate(config);
        Assert.Null(report.Topology);
        Assert.Contains(report.Errors, e => e.Path == "alerts.degradePolicy" && e.Message.Contains("auto", StringComparison.Ordinal));
        Assert.Contains(report.Errors, e => e.Path == "alerts.flapPolls");
        Assert.Contains(report.Errors, e => e.Path == "alerts.reminderMinutes");
        Assert.Contains(report.Errors, e => e.Path == "alerts.graceSeconds");
    }

    [Fact]
    public void Automatic_failover_is_off_by_default_and_can_be_turned_on_with_a_grace_period()
    {
        Assert.False(AlertSettings.Default.AutoFailover);
        var config = TestConfigs.Minimal();
        config["alerts"] = new System.Text.Json.Nodes.JsonObject { ["autoFailover"] = true, ["graceSeconds"] = 45 };
        var alerts = TestConfigs.Validate(config).Topology!.Alerts;
        Assert.True(alerts.AutoFailover);
        Assert.Equal(TimeSpan.FromSeconds(45), alerts.FailoverGrace);
    }

    [Fact]
    public void An_unknown_key_in_alerts_is_an_error()
    {
        var config = TestConfigs.Minimal();
        config["alerts"] = new System.Text.Json.Nodes.JsonObject { ["flapPoll"] = 2 };
        Assert.Contains(TestConfigs.Validate(config).Errors, e => e.Path.StartsWith("alerts.flapPoll", StringComparison.Ordinal));
    }
}
