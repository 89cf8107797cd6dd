using System.Diagnostics;
using PgxcBot.Tests.Hosting;

namespace PgxcBot.Tests.Cli;

/// <summary>
/// The bad inputs of issue 15, each through <c>pgxcbot check-config</c> (or a command that starts the bot) as
/// an operator would meet it: exit 2, the JSON path, the fix, and never a secret or an exception name.
/// </summary>
public sealed class BadConfigCliTests : IDisposable
{
    private readonly TempConfigDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private async Task<CliRun> CheckAsync(JsonObject config, IReadOnlyDictionary<string, string>? variables = null, params string[] extra) =>
        await CliRun.RunAsync(["check-config", "--config", _directory.Write("pgxcbot.json", config.ToJsonString()), .. extra], variables: variables);

    private static string[] Errors(CliRun run) =>
        run.Out.Split('\n').Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToArray();

    private static void AssertBadConfig(CliRun run, string path, string fix)
    {
        Assert.True(run.ExitCode == ExitCodes.BadConfig, run.Out + run.Error);
        var error = Assert.Single(Errors(run), e => e.StartsWith($"error: {path}: ", StringComparison.Ordinal));
        Assert.Contains(fix, error);
        Assert.DoesNotContain("Exception", run.Out + run.Error);
    }

    [Fact]
    public async Task The_runnable_test_configuration_passes_every_check()
    {
        var run = await CheckAsync(_directory.Runnable());
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Out);
    }

    [Theory]
    [InlineData("datanodes[0].name", "datanode1\n")]
    [InlineData("datanodes[0].master.dataDir", "/home/postgresxc/pgxc/datanode\n")]
    [InlineData("coordinators[0].name", "coord1\n")]
    [InlineData("hosts[0].user", "postgresxc\r\n")]
    public async Task A_trailing_newline_is_one_error_naming_the_field_and_the_value_meant(string path, string value)
    {
        var config = _directory.Runnable();
        Topology.BadInputTable.Set(config, path, value);

        var run = await CheckAsync(config);

        AssertBadConfig(run, path, $"remove it: \"{value.TrimEnd()}\"");
        Assert.Single(Errors(run));
    }

    [Fact]
    public async Task Numeric_ids_exit_2_with_the_quoted_fix_not_an_exception()
    {
        var config = _directory.Runnable();
        config["approvals"]!["approvers"]!["users"] = new JsonArray(1, 539101234567890123);

        var run = await CheckAsync(config);

        AssertBadConfig(run, "approvals.approvers.users[0]", "write it in quotes: \"1\"");
        Assert.Contains("error: approvals.approvers.users[1]: 539101234567890123 is not a string; write it in quotes: \"539101234567890123\"", run.Out);
        Assert.Equal(2, Errors(run).Length);
    }

    [Fact]
    public async Task A_json_syntax_error_is_reported_alone()
    {
        var file = _directory.Write("broken.json", "{\n  \"flavor\": \"postgres-xc\"\n  \"hosts\": []\n}");

        var run = await CliRun.RunAsync(["check-config", "--config", file]);

        Assert.Equal(ExitCodes.BadConfig, run.ExitCode);
        var error = Assert.Single(Errors(run));
        Assert.Contains("line 3,", error);
        Assert.Contains("1 error, 0 warnings", run.Out);
    }

    [Fact]
    public async Task An_empty_file_is_one_error_saying_so()
    {
        var run = await CliRun.RunAsync(["check-config", "--config", _directory.Write("empty.json", "\n")]);
        Assert.Equal(ExitCodes.BadConfig, run.ExitCode);
        Assert.Contains("the file is empty", Assert.Single(Errors(run)));
    }

    [Fact]
    public async Task A_fifo_as_config_file_is_refused_without_waiting_for_a_writer()
    {
        var fifo = Path.Combine(_directory.Path, "config.fifo");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) await mkfifo.WaitForExitAsync();

        var started = Stopwatch.StartNew();
        var run = await CliRun.RunAsync(["check-config", "--config", fifo]);

        Assert.Equal(ExitCodes.BadConfig, run.ExitCode);
        Assert.Contains("is a FIFO (named pipe), not a regular file", run.Out);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"took {started.Elapsed}");
    }

    [Theory]
    [InlineData("/dev/null", "a character device")]
    [InlineData("/tmp", "a directory")]
    public async Task Other_non_regular_files_are_refused(string path, string kind)
    {
        var run = await CliRun.RunAsync(["check-config", "--config", path]);
        Assert.Equal(ExitCodes.BadConfig, run.ExitCode);
        Assert.Contains($"is {kind}, not a regular file", run.Out);
    }

    [Fact]
    public async Task A_huge_file_is_refused_as_the_wrong_file()
    {
        var file = Path.Combine(_directory.Path, "huge.json");
        await using (var stream = File.Create(file)) stream.SetLength(ConfigFile.MaxBytes + 1);
        var run = await CliRun.RunAsync(["check-config", "--config", file]);
        Assert.Equal(ExitCodes.BadConfig, run.ExitCode);
        Assert.Contains("is this the right file?", run.Out);
    }

    [Theory]
    [InlineData("connectTimeoutSeconds", 0.001)]
    [InlineData("commandTimeoutSeconds", 0.01)]
    [InlineData("intervalSeconds", 0.1)]
    public async Task Durations_below_a_sane_minimum_exit_2(string key, double value)
    {
        var config = _directory.Runnable();
        config["monitor"] = new JsonObject { [key] = value };
        AssertBadConfig(await CheckAsync(config), $"monitor.{key}", "0.5 to");
    }

    [Fact]
    public async Task A_directory_as_store_path_exits_2_with_a_file_in_it_as_the_fix()
    {
        var config = _directory.Runnable();
        config["store"] = new JsonObject { ["path"] = _directory.Path };
        AssertBadConfig(await CheckAsync(config), "store.path", $"is a directory; give the SQLite file inside it, e.g. \"{Path.Combine(_directory.Path, "pgxcbot.db")}\"");
    }

    [Fact]
    public async Task A_store_in_a_missing_directory_exits_2_with_the_install_command()
    {
        var config = _directory.Runnable();
        config["store"] = new JsonObject { ["path"] = Path.Combine(_directory.Path, "absent", "pgxcbot.db") };
        AssertBadConfig(await CheckAsync(config), "store.path", "install -d -m 0700 -o pgxcbot");
    }

    [Theory]
    [InlineData("::1%$(reboot)")]
    [InlineData("fe80::1%eth0;id")]
    [InlineData("[::1]")]
    public async Task Ipv6_addresses_with_shell_characters_or_brackets_exit_2(string address)
    {
        var config = _directory.Runnable();
        config["hosts"]![0]!["address"] = address;
        AssertBadConfig(await CheckAsync(config), "hosts[0].address", "e.g.");
    }

    [Fact]
    public async Task One_data_directory_through_two_host_names_exits_2()
    {
        var config = _directory.Runnable();
        config["hosts"]![0]!["address"] = "10.0.0.1";
        var alias = Topology.TestConfigs.Host("node01-alias", Topology.TestConfigs.FingerprintA);
        alias["address"] = "10.0.0.1";
        alias["keyFile"] = _directory.KeyFile;
        config["hosts"]!.AsArray().Add(alias);
        var second = config["datanodes"]![0]!.DeepClone().AsObject();
        second["name"] = "datanode2";
        second["master"] = new JsonObject { ["host"] = "node01-alias", ["port"] = 20008, ["dataDir"] = "/home/postgresxc/pgxc/datanode" };
        second["slave"] = new JsonObject { ["host"] = "node02", ["port"] = 20011, ["dataDir"] = "/home/postgresxc/pgxc/datanode2_slave" };
        config["datanodes"]!.AsArray().Add(second);

        var run = await CheckAsync(config);

        AssertBadConfig(run, "datanodes[1].master.dataDir", "node01-alias and node01 are one machine: 10.0.0.1");
    }

    [Fact]
    public async Task Localhost_and_127_0_0_1_are_one_endpoint()
    {
        var config = _directory.Runnable();
        config["hosts"]![0]!["address"] = "localhost";
        config["hosts"]![1]!["address"] = "127.0.0.1";
        config["coordinators"]![0]!["host"] = "node02";
        config["coordinators"]![0]!["port"] = 20006;
        AssertBadConfig(await CheckAsync(config), "coordinators[0].port", "already used by datanodes[0].master");
    }

    [Fact]
    public async Task A_data_directory_inside_another_exits_2()
    {
        var config = _directory.Runnable();
        config["datanodes"]![0]!["slave"]!["host"] = "node01";
        config["datanodes"]![0]!["slave"]!["dataDir"] = "/home/postgresxc/pgxc/datanode/slave";
        AssertBadConfig(await CheckAsync(config), "datanodes[0].slave.dataDir", "lies inside the data directory of datanodes[0].master");
    }

    [Theory]
    [InlineData("12345678")]
    [InlineData("\"hunter2\"")]
    [InlineData("{\"env\": \"hunter2abc\"}")]
    [InlineData("{\"env\": \"Zx9-token.abc\"}")]
    [InlineData("{\"file\": \"hunter2\"}")]
    public async Task A_value_where_a_secret_reference_belongs_is_never_echoed(string json)
    {
        var config = _directory.Runnable();
        config["database"]!["password"] = JsonNode.Parse(json);

        var run = await CheckAsync(config);

        Assert.Equal(ExitCodes.BadConfig, run.ExitCode);
        Assert.StartsWith("error: database.password", Assert.Single(Errors(run)));
        foreach (var canary in new[] { "12345678", "hunter2", "Zx9-token" })
            Assert.DoesNotContain(canary, run.Out + run.Error);
    }

    [Fact]
    public async Task An_unset_password_variable_is_a_bad_config_in_check_config_and_unknown_in_status_naming_it()
    {
        var config = _directory.Write("pgxcbot.json", _directory.Runnable().ToJsonString());
        var empty = new Dictionary<string, string>();

        var check = await CliRun.RunAsync(["check-config", "--config", config], variables: empty);
        var status = await CliRun.RunAsync(["status", "--config", config], variables: empty);

        AssertBadConfig(check, "database.password.env", "environment variable PGXCBOT_DB_PASSWORD is unset");
        // status is a Nagios check: a status it cannot take is UNKNOWN (3), whatever kept it from running.
        Assert.Equal(NagiosCodes.Unknown, status.ExitCode);
        Assert.Contains("error: database.password.env: the database password cannot be read: environment variable PGXCBOT_DB_PASSWORD is unset", status.Error);
        Assert.Equal("", status.Out);
    }

    [Fact]
    public async Task File_only_checks_the_file_without_the_environment()
    {
        var run = await CheckAsync(Topology.TestConfigs.Minimal(), new Dictionary<string, string>(), "--file-only");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Out);
    }

    [Fact]
    public async Task A_fifo_as_secret_file_is_refused_at_start()
    {
        var fifo = Path.Combine(_directory.Path, "db.password");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) await mkfifo.WaitForExitAsync();
        var config = _directory.Runnable();
        config["database"]!["password"] = new JsonObject { ["file"] = fifo };

        AssertBadConfig(await CheckAsync(config), "database.password.file", "is a FIFO (named pipe), not a regular file");
    }

    [Fact]
    public async Task A_key_file_readable_by_others_exits_2_naming_the_file_and_chmod_600()
    {
        if (OperatingSystem.IsWindows()) return;
        File.SetUnixFileMode(_directory.KeyFile, (UnixFileMode)0b110_100_100); // 0644

        var run = await CheckAsync(_directory.Runnable());

        AssertBadConfig(run, "hosts[0].keyFile", $"the SSH key {_directory.KeyFile} has mode 0644");
        Assert.Contains($"chmod 600 {_directory.KeyFile}", run.Out);
    }

    [Fact]
    public async Task An_encrypted_key_with_a_wrong_passphrase_names_the_key_and_the_passphrase_variable()
    {
        if (OperatingSystem.IsWindows()) return;
        var key = TestKeys.WriteEncryptedRsa(Path.Combine(_directory.Path, "id_rsa"), "right passphrase");
        var config = _directory.Runnable();
        config["hosts"]![0]!["keyFile"] = key;
        config["hosts"]![0]!["keyPassphrase"] = new JsonObject { ["env"] = "PGXCBOT_SSH_KEY_PASSPHRASE" };
        var variables = new Dictionary<string, string>(CliRun.TestVariables) { ["PGXCBOT_SSH_KEY_PASSPHRASE"] = "wrong passphrase" };

        var run = await CheckAsync(config, variables);

        AssertBadConfig(run, "hosts[0].keyPassphrase", $"the passphrase from environment variable PGXCBOT_SSH_KEY_PASSPHRASE does not decrypt the SSH key {key}");
        Assert.DoesNotContain("Padding", run.Out);
        Assert.DoesNotContain("wrong passphrase", run.Out);

        variables["PGXCBOT_SSH_KEY_PASSPHRASE"] = "right passphrase";
        Assert.True((await CheckAsync(config, variables)).ExitCode == ExitCodes.Ok, "the right passphrase decrypts the test key");
    }

    [Fact]
    public async Task An_encrypted_key_without_a_passphrase_says_to_configure_one()
    {
        if (OperatingSystem.IsWindows()) return;
        var config = _directory.Runnable();
        config["hosts"]![1]!["keyFile"] = TestKeys.WriteEncryptedRsa(Path.Combine(_directory.Path, "id_rsa"), "secret words");
        AssertBadConfig(await CheckAsync(config), "hosts[1].keyPassphrase", "is encrypted and no passphrase is configured");
    }

    [Fact]
    public async Task A_missing_key_file_exits_2_with_how_to_make_one()
    {
        var config = _directory.Runnable();
        config["hosts"]![0]!["keyFile"] = Path.Combine(_directory.Path, "absent_key");
        AssertBadConfig(await CheckAsync(config), "hosts[0].keyFile", "ssh-keygen -t ed25519 -f");
    }
}
