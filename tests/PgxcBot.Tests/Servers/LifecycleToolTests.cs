using PgxcBot.Core.Servers;

namespace PgxcBot.Tests.Servers;

public class LifecycleToolTests
{
    private const string ControlDataOutput = """
        pg_control version number:            1300
        Database cluster state:               shut down
        Latest checkpoint location:           0/3000028
        Latest checkpoint's REDO location:    0/3000028
        Latest checkpoint's TimeLineID:       1
        wal_log_hints setting:                off
        Data page checksum version:           0
        """;

    [Fact]
    public void Control_data_gives_the_state_the_shutdown_checkpoint_and_whether_pg_rewind_can_work()
    {
        var control = ControlData.Parse(ControlDataOutput);
        Assert.True(control.CleanlyShutDown);
        Assert.Equal(Lsn.Parse("0/3000028"), control.LatestCheckpoint);
        Assert.Equal(1, control.TimeLineId);
        Assert.False(control.Rewindable);
        Assert.True(ControlData.Parse(ControlDataOutput.Replace("wal_log_hints setting:                off", "wal_log_hints setting: on", StringComparison.Ordinal)).Rewindable);
        Assert.True(ControlData.Parse(ControlDataOutput.Replace("version:           0", "version:           1", StringComparison.Ordinal)).Rewindable);
        Assert.False(ControlData.Parse(ControlDataOutput.Replace("shut down", "in production", StringComparison.Ordinal)).CleanlyShutDown);
        Assert.Null(ControlData.Parse("garbage").LatestCheckpoint);
    }

    [Theory]
    [InlineData("127.0.0.1", "host replication postgresxc 127.0.0.1/32 trust")]
    [InlineData("::1", "host replication postgresxc ::1/128 trust")]
    [InlineData("node02", "host replication postgresxc node02 trust")]
    public void The_hba_line_names_exactly_the_slave_address(string address, string expected) =>
        Assert.Equal(expected, PgTools.HbaReplicationLine("postgresxc", address));

    [Fact]
    public void The_hba_line_refuses_what_could_break_pg_hba_conf()
    {
        Assert.Throws<ArgumentException>(() => PgTools.HbaReplicationLine("evil user", "node02"));
        Assert.Throws<ArgumentException>(() => PgTools.HbaReplicationLine("postgresxc", "node02 all"));
    }

    [Fact]
    public void Data_directories_with_shell_characters_stay_single_arguments_of_constant_scripts()
    {
        var odd = "/data/it's; rm -rf /";
        var prepare = new PgTools("/opt/pg/bin").PrepareEmptyDir(odd, moveAside: true);
        Assert.Equal("sh", prepare.Arguments[0]);
        Assert.Equal(odd, prepare.Arguments[4]);
        Assert.Equal("/opt/pg/bin/pg_ctl", prepare.Arguments[5]);
        Assert.DoesNotContain(odd, prepare.Arguments[2], StringComparison.Ordinal); // the script never holds the path
        Assert.Contains("'/data/it'\\''s; rm -rf /'", prepare.Text);
    }

    [Theory]
    [InlineData("absent\n", DataDirState.Absent)]
    [InlineData("empty", DataDirState.Empty)]
    [InlineData("not-empty\n", DataDirState.NotEmpty)]
    [InlineData("", DataDirState.Unknown)]
    public void Dir_state_output_parses(string output, DataDirState expected) => Assert.Equal(expected, PgTools.ParseDirState(output));

    [Theory]
    [InlineData(90200, "pg_last_xlog_receive_location()", "hot_standby")]
    [InlineData(100000, "pg_last_wal_receive_lsn()", "replica")]
    public void Wal_functions_and_levels_follow_the_version(int version, string receive, string level)
    {
        Assert.Equal(receive, WalSql.ReceiveLsn(version));
        Assert.Equal(level, WalSql.StandbyWalLevel(version));
    }
}
