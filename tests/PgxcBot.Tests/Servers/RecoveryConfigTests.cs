using PgxcBot.Core.Servers;

namespace PgxcBot.Tests.Servers;

public class RecoveryConfigTests
{
    private static readonly ServerLocation Master = new("node01", "node01", 20006, "/home/postgresxc/pgxc/datanode");
    private const string SlaveDir = "/home/postgresxc/pgxc/datanode1_slave";

    private static readonly Dictionary<string, string> Managed = new() { ["hot_standby"] = "on", ["port"] = "20010" };

    [Theory]
    [InlineData(Flavor.PostgresXc, 90200)]
    [InlineData(Flavor.PostgresXl, 100009)]
    [InlineData(Flavor.PostgreSql, 110000)]
    public void Xc_xl_and_old_postgresql_get_a_recovery_conf_with_standby_mode(Flavor flavor, int version)
    {
        var settings = RecoveryConfig.Settings(Master, "postgresxc", "datanode1_slave", "/home/postgresxc/pgxc/datanode1_arclog");
        var files = RecoveryConfig.Files(flavor, version, SlaveDir, settings, Managed);

        var recovery = Assert.Single(files, f => f.Path == SlaveDir + "/recovery.conf");
        Assert.Contains("standby_mode = 'on'\n", recovery.Content);
        Assert.Contains("primary_conninfo = 'host=node01 port=20006 user=postgresxc application_name=datanode1_slave'\n", recovery.Content);
        Assert.Contains("restore_command = 'cp /home/postgresxc/pgxc/datanode1_arclog/%f %p'\n", recovery.Content);
        Assert.Contains("archive_cleanup_command = 'pg_archivecleanup /home/postgresxc/pgxc/datanode1_arclog %r'\n", recovery.Content);
        Assert.DoesNotContain(files, f => f.Path.EndsWith("standby.signal", StringComparison.Ordinal));
    }

    [Fact]
    public void Postgresql_12_and_later_get_standby_signal_and_settings_in_the_managed_file()
    {
        var settings = RecoveryConfig.Settings(Master, "postgresxc", "datanode1_slave", archiveDir: null);
        var files = RecoveryConfig.Files(Flavor.PostgreSql, 150018, SlaveDir, settings, Managed);

        Assert.DoesNotContain(files, f => f.Path.EndsWith("recovery.conf", StringComparison.Ordinal));
        Assert.Equal("", Assert.Single(files, f => f.Path == SlaveDir + "/standby.signal").Content);
        var managed = Assert.Single(files, f => f.Path == SlaveDir + "/pgxcbot.conf").Content;
        Assert.Contains("primary_conninfo = 'host=node01 port=20006 user=postgresxc application_name=datanode1_slave'\n", managed);
        Assert.Contains("hot_standby = 'on'\n", managed);
        Assert.DoesNotContain("standby_mode", managed);
        Assert.DoesNotContain("restore_command", managed);
    }

    [Fact]
    public void The_managed_file_is_the_same_bytes_for_the_same_settings_whatever_their_order()
    {
        var a = ManagedConfig.Render(new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });
        var b = ManagedConfig.Render(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" });
        Assert.Equal(a, b);
        Assert.Single(a.Split('\n'), l => l.StartsWith("a = ", StringComparison.Ordinal));
    }

    [Fact]
    public void Conninfo_values_with_spaces_or_quotes_are_quoted_for_libpq() =>
        Assert.Equal("host=node01 user='it\\'s me' application_name='a b'",
            ConfValue.ConnInfo(("host", "node01"), ("user", "it's me"), ("application_name", "a b")));

    [Fact]
    public void Config_values_double_their_quotes_and_refuse_line_breaks()
    {
        Assert.Equal("'it''s'", ConfValue.Quote("it's"));
        Assert.Throws<ArgumentException>(() => ConfValue.Quote("a\nb = 'evil'"));
    }
}
