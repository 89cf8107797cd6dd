using PgxcBot.Core.Commands;

namespace PgxcBot.Tests.Monitoring.Maintenance;

/// <summary>maintenance, silence, ack and unack: what they parse to, and bad input named with its fix.</summary>
public class MaintenanceParserTests
{
    private static readonly CommandParser Parser = new(["datanode1", "datanode2"]);

    private static ChatCommand Parsed(string line) => Parser.Parse(line).Command ?? throw new Xunit.Sdk.XunitException(Parser.Parse(line).Error);

    private static string Error(string line) => Parser.Parse(line).Error ?? throw new Xunit.Sdk.XunitException($"'{line}' parsed");

    [Fact]
    public void Maintenance_takes_a_datanode_or_all_a_duration_and_a_quoted_reason()
    {
        Assert.Equal(new MaintenanceCommand("datanode1", true, TimeSpan.FromHours(2), "kernel update"),
            Parsed("/pgxc maintenance DATANODE1 on --for 2h --reason \"kernel update\""));
        Assert.Equal(new MaintenanceCommand(null, true, TimeSpan.FromMinutes(90), "switch firmware"),
            Parsed("/pgxc maintenance on --all --for 1h30m --reason=\"switch firmware\""));
        Assert.Equal(new MaintenanceCommand("datanode2", false, MaintenanceDuration.Default, null), Parsed("/pgxc maintenance datanode2 off"));
        Assert.Equal(new MaintenanceCommand(null, false, MaintenanceDuration.Default, null), Parsed("/pgxc maintenance --all off"));
    }

    [Fact]
    public void Ack_unack_and_silence_take_the_incident_as_alerts_name_it()
    {
        Assert.Equal(new AckCommand("datanode1/slave-lost", "rebooting the host"), Parsed("/pgxc ack datanode1/slave-lost --note 'rebooting the host'"));
        Assert.Equal(new UnackCommand("host/node01/ssh-lost"), Parsed("/pgxc unack host/node01/ssh-lost"));
        Assert.Equal(new SilenceCommand("datanode1", "lag", true, TimeSpan.FromDays(1), "bulk load"), Parsed("/pgxc silence datanode1/lag on --for 1d --reason 'bulk load'"));
    }

    [Fact]
    public void Approve_takes_the_window_as_requested_and_the_request_number_the_button_carries()
    {
        Assert.Equal(new ApproveMuteCommand(MaintenanceCommands.Maintenance, "datanode1", null, 3), Parsed("/pgxc maintenance datanode1 approve --request 3"));
        Assert.Equal(new ApproveMuteCommand(MaintenanceCommands.Maintenance, Mute.EveryDatanode, null, null), Parsed("/pgxc maintenance --all approve"));
        Assert.Equal(new ApproveMuteCommand(MaintenanceCommands.Silence, "datanode1", "lag", 7), Parsed("/pgxc silence datanode1/lag approve --request 7"));
    }

    [Theory]
    [InlineData("/pgxc maintenance datanode1 on --for 2h", "--reason is required with on")]
    [InlineData("/pgxc maintenance datanode1 on --for 2x --reason r", "--for '2x' is not a duration: write minutes, hours or days such as 30m, 2h")]
    [InlineData("/pgxc maintenance datanode1 on --for 8d --reason r", "longer than 7d")]
    [InlineData("/pgxc maintenance datanode1 on --for 0m --reason r", "shorter than a minute")]
    [InlineData("/pgxc maintenance datanode1 maybe --reason r", "state 'maybe' must be on, off or approve")]
    [InlineData("/pgxc maintenance datanode1 approve --reason r", "--for and --reason are the requester's")]
    [InlineData("/pgxc maintenance datanode1 approve --request x1", "--request 'x1' is not a request number")]
    [InlineData("/pgxc maintenance datanode1 on --request 2 --reason r", "--request goes with approve")]
    [InlineData("/pgxc maintenance datanod1 on --reason r", "no datanode 'datanod1' in the configuration; did you mean datanode1?")]
    [InlineData("/pgxc maintenance on --reason r", "maintenance needs a datanode and on or off (or --all and on or off)")]
    [InlineData("/pgxc maintenance datanode1 off --for 1h", "--for and --reason go with on")]
    [InlineData("/pgxc maintenance datanode1 on --reason \"  \"", "--reason must be 1 to 200 characters")]
    [InlineData("/pgxc maintenance datanode1 on --reasn r", "unknown option --reasn for maintenance; did you mean --reason?")]
    [InlineData("/pgxc silence datanode1/lagg on --reason r", "alert 'datanode1/lagg' is not an alert: write subject/kind")]
    [InlineData("/pgxc ack datanode1", "incident 'datanode1' is not an alert: write subject/kind as the alert names it, e.g. datanode1/slave-lost")]
    [InlineData("/pgxc ack", "ack needs one incident")]
    public void Bad_input_names_the_field_and_the_fix(string line, string expected) =>
        Assert.Contains(expected, Error(line));

    [Theory]
    [InlineData("30m", 30)]
    [InlineData("2h", 120)]
    [InlineData("1h30m", 90)]
    [InlineData("1d", 1440)]
    [InlineData("45min", 45)]
    [InlineData(null, 60)]
    public void Durations_are_minutes_hours_or_days(string? text, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), MaintenanceDuration.Parse(text).Duration);

    [Fact]
    public void Usage_says_which_options_take_text()
    {
        Assert.Equal("/pgxc maintenance [datanode] <state> [--all] [--for WORD] [--reason TEXT] [--request WORD]", MaintenanceCommands.Maintenance.Usage);
        Assert.Equal("/pgxc ack <incident> [--note TEXT]", MaintenanceCommands.Ack.Usage);
    }
}
