using PgxcBot.Tests.Secrets;

namespace PgxcBot.Tests.Topology;

public class ConfigValidatorTests
{
    private static ConfigIssue SingleError(ConfigReport report, string path)
    {
        Assert.Null(report.Topology);
        return Assert.Single(report.Errors, e => e.Path == path);
    }

    [Fact]
    public void Minimal_config_is_valid_and_applies_the_defaults()
    {
        var report = TestConfigs.Validate(TestConfigs.Minimal(), "/etc/pgxcbot");

        Assert.Empty(report.Errors);
        Assert.Empty(report.Warnings);
        var topology = Assert.IsType<ClusterTopology>(report.Topology);
        Assert.Equal(Flavor.PostgresXc, topology.Flavor);
        var host = topology.Hosts[0];
        Assert.Equal(TransportKind.Ssh, host.Transport);
        Assert.Equal(22, host.SshPort);
        Assert.Equal("postgres", topology.Database.Database);
        Assert.Equal(MonitorSettings.Default, topology.Monitor);
        Assert.Equal("/etc/pgxcbot/pgxcbot.db", topology.StorePath);
        var pair = topology.Datanodes[0];
        Assert.Equal("datanode1_slave", pair.ApplicationName);
        Assert.Equal(new ServerLocation("node01", "node01", 20006, "/home/postgresxc/pgxc/datanode"), pair.Master);
        Assert.Equal("node02:20010", pair.Slave!.Endpoint);
        Assert.Equal("node01:20004", topology.Coordinators[0].Endpoint);
    }

    [Fact]
    public void Five_mistakes_are_all_reported_with_their_paths()
    {
        var report = TestConfigs.Validate(TestConfigs.FiveMistakes());

        Assert.Null(report.Topology);
        Assert.Equal(
            ["database.password", "datanodes[0].master.host", "datanodes[0].slave.port", "flavor", "hosts[1].hostKeyFingerprint"],
            report.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.Contains("postgres-xc | postgres-xl | postgresql", SingleError(report, "flavor").Message);
        Assert.Equal("datanodes[0].slave.port: 70000 is not a TCP port (1-65535); give a number from 1 to 65535.", SingleError(report, "datanodes[0].slave.port").ToString());
        Assert.StartsWith("\"node03\" is not defined in hosts (defined: node01, node02)", SingleError(report, "datanodes[0].master.host").Message);
        var password = SingleError(report, "database.password").Message;
        Assert.Contains("{\"env\": \"PGXCBOT_DB_PASSWORD\"}", password);
        Assert.DoesNotContain("hunter2", string.Join("\n", report.Errors));
        Assert.Contains("ssh-keyscan -p 22 node02 | ssh-keygen -lf -", SingleError(report, "hosts[1].hostKeyFingerprint").Message);
    }

    [Fact]
    public void Missing_flavor_lists_the_three()
    {
        var config = TestConfigs.Minimal();
        config.Remove("flavor");
        Assert.Contains("postgres-xc | postgres-xl | postgresql", SingleError(TestConfigs.Validate(config), "flavor").Message);
    }

    [Theory]
    [InlineData("postgres-xl", Flavor.PostgresXl)]
    [InlineData("Postgres-XC", Flavor.PostgresXc)]
    public void Flavor_is_matched_case_insensitively(string text, Flavor expected)
    {
        var config = TestConfigs.Minimal();
        config["flavor"] = text;
        Assert.Equal(expected, TestConfigs.Validate(config).Topology!.Flavor);
    }

    [Fact]
    public void No_datanodes_is_an_error()
    {
        var config = TestConfigs.Minimal();
        config["datanodes"] = new JsonArray();
        SingleError(TestConfigs.Validate(config), "datanodes");
    }

    [Fact]
    public void Duplicate_host_names_are_an_error()
    {
        var config = TestConfigs.Minimal();
        config["hosts"]!.AsArray().Add(TestConfigs.Host("node01", TestConfigs.FingerprintA));
        Assert.Contains("already defined at hosts[0]", SingleError(TestConfigs.Validate(config), "hosts[2].name").Message);
    }

    [Fact]
    public void Datanodes_and_coordinators_share_one_namespace()
    {
        var config = TestConfigs.Minimal();
        config["coordinators"]![0]!["name"] = "datanode1";
        Assert.Contains("pgxc_node", SingleError(TestConfigs.Validate(config), "coordinators[0].name").Message);
    }

    [Fact]
    public void Duplicate_datanode_names_are_an_error()
    {
        var config = TestConfigs.Minimal();
        var copy = config["datanodes"]![0]!.DeepClone();
        copy["master"]!["port"] = 20008;
        copy["slave"]!["port"] = 20011;
        copy["master"]!["dataDir"] = "/other";
        copy["slave"]!["dataDir"] = "/other_slave";
        config["datanodes"]!.AsArray().Add(copy);
        SingleError(TestConfigs.Validate(config), "datanodes[1].name");
    }

    [Fact]
    public void Two_servers_on_one_address_and_port_are_an_error()
    {
        var config = TestConfigs.Minimal();
        config["coordinators"]![0]!["port"] = 20006;
        Assert.Contains("already used by datanodes[0].master", SingleError(TestConfigs.Validate(config), "coordinators[0].port").Message);
    }

    [Fact]
    public void Same_port_on_different_hosts_is_fine()
    {
        var config = TestConfigs.Minimal();
        config["coordinators"]![0]!["host"] = "node02";
        config["coordinators"]![0]!["port"] = 20006;
        Assert.Empty(TestConfigs.Validate(config).Errors);
    }

    [Theory]
    [InlineData("Datanode1")]
    [InlineData("1datanode")]
    [InlineData("data-node")]
    [InlineData("dn'; DROP")]
    public void Node_names_must_be_plain_identifiers(string name)
    {
        var config = TestConfigs.Minimal();
        config["datanodes"]![0]!["name"] = name;
        Assert.Contains("ALTER NODE", SingleError(TestConfigs.Validate(config), "datanodes[0].name").Message);
    }

    [Theory]
    [InlineData("relative/dir", "not an absolute path")]
    [InlineData("~/pgxc/datanode", "not an absolute path")]
    [InlineData("/data/dn1; rm -rf /", "unsafe in shell")]
    [InlineData("/data/dn'1", "unsafe in shell")]
    [InlineData("/data/dn1\nrm", "line break")]
    [InlineData("/data/$(id)", "unsafe in shell")]
    [InlineData("/data/../etc", ". or ..")]
    public void Data_directories_must_be_safe_absolute_paths(string dataDir, string expected)
    {
        var config = TestConfigs.Minimal();
        config["datanodes"]![0]!["master"]!["dataDir"] = dataDir;
        var message = SingleError(TestConfigs.Validate(config), "datanodes[0].master.dataDir").Message;
        Assert.Contains(expected, message);
        Assert.DoesNotContain("\n", message);
    }

    [Fact]
    public void Archive_directory_is_checked_like_a_data_directory()
    {
        var config = TestConfigs.Minimal();
        config["datanodes"]![0]!["slave"]!["archiveDir"] = "arclog";
        SingleError(TestConfigs.Validate(config), "datanodes[0].slave.archiveDir");
    }

    [Fact]
    public void Two_servers_in_one_data_directory_on_one_host_are_an_error()
    {
        var config = TestConfigs.Minimal();
        config["datanodes"]![0]!["slave"]!["host"] = "node01";
        config["datanodes"]![0]!["slave"]!["dataDir"] = "/home/postgresxc/pgxc/datanode";
        SingleError(TestConfigs.Validate(config), "datanodes[0].slave.dataDir");
    }

    [Theory]
    [InlineData("datanode1 slave")]
    [InlineData("Datanode1_Slave")]
    [InlineData("")]
    public void Application_names_must_be_identifiers(string name)
    {
        var config = TestConfigs.Minimal();
        config["datanodes"]![0]!["slave"]!["applicationName"] = name;
        Assert.Contains("synchronous_standby_names", SingleError(TestConfigs.Validate(config), "datanodes[0].slave.applicationName").Message);
    }

    [Theory]
    [InlineData("node_01")]
    [InlineData("-node")]
    [InlineData("300.1.1.1")]
    [InlineData("node 01")]
    public void Host_addresses_must_be_dns_names_or_ips(string address)
    {
        var config = TestConfigs.Minimal();
        config["hosts"]![0]!["address"] = address;
        SingleError(TestConfigs.Validate(config), "hosts[0].address");
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("db1.example.internal")]
    public void Valid_addresses_are_accepted(string address)
    {
        var config = TestConfigs.Minimal();
        config["hosts"]![0]!["address"] = address;
        Assert.Empty(TestConfigs.Validate(config).Errors);
    }

    [Theory]
    [InlineData("SHA256:tooShort")]
    [InlineData("MD5:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    public void Fingerprints_must_be_in_openssh_sha256_form(string fingerprint)
    {
        var config = TestConfigs.Minimal();
        config["hosts"]![0]!["hostKeyFingerprint"] = fingerprint;
        config["hosts"]![0]!["sshPort"] = 2222;
        Assert.Contains("ssh-keyscan -p 2222 node01 | ssh-keygen -lf -", SingleError(TestConfigs.Validate(config), "hosts[0].hostKeyFingerprint").Message);
    }

    [Theory]
    [InlineData("user")]
    [InlineData("keyFile")]
    [InlineData("hostKeyFingerprint")]
    public void Ssh_hosts_need_user_key_file_and_fingerprint(string key)
    {
        var config = TestConfigs.Minimal();
        config["hosts"]![0]!.AsObject().Remove(key);
        Assert.StartsWith("missing.", SingleError(TestConfigs.Validate(config), $"hosts[0].{key}").Message);
    }

    [Fact]
    public void Local_hosts_need_no_key_or_fingerprint()
    {
        var config = TestConfigs.Minimal();
        var host = config["hosts"]![0]!.AsObject();
        host["transport"] = "local";
        host.Remove("keyFile");
        host.Remove("hostKeyFingerprint");
        Assert.Equal(TransportKind.Local, TestConfigs.Validate(config).Topology!.Hosts[0].Transport);
    }

    [Fact]
    public void Unknown_transport_is_an_error()
    {
        var config = TestConfigs.Minimal();
        config["hosts"]![0]!["transport"] = "telnet";
        SingleError(TestConfigs.Validate(config), "hosts[0].transport");
    }

    [Theory]
    [InlineData("intervalSeconds", 0)]
    [InlineData("connectTimeoutSeconds", -1)]
    [InlineData("commandTimeoutSeconds", 0)]
    public void Monitor_times_must_be_positive(string key, double value)
    {
        var config = TestConfigs.Minimal();
        config["monitor"] = new JsonObject { [key] = value };
        SingleError(TestConfigs.Validate(config), $"monitor.{key}");
    }

    [Fact]
    public void Lag_warning_levels_must_not_exceed_critical_levels()
    {
        var config = TestConfigs.Minimal();
        config["monitor"] = new JsonObject
        {
            ["lagWarningBytes"] = 2000, ["lagCriticalBytes"] = 1000,
            ["lagWarningSeconds"] = 90, ["lagCriticalSeconds"] = 60,
        };
        var report = TestConfigs.Validate(config);
        Assert.Equal(["monitor.lagWarningBytes", "monitor.lagWarningSeconds"], report.Errors.Select(e => e.Path));
    }

    [Fact]
    public void Connect_timeout_not_below_interval_is_a_warning()
    {
        var config = TestConfigs.Minimal();
        config["monitor"] = new JsonObject { ["intervalSeconds"] = 2, ["connectTimeoutSeconds"] = 2 };
        var report = TestConfigs.Validate(config);
        Assert.NotNull(report.Topology);
        Assert.Equal("monitor.connectTimeoutSeconds", Assert.Single(report.Warnings).Path);
    }

    [Fact]
    public void Master_and_slave_on_one_host_is_a_warning()
    {
        var config = TestConfigs.Minimal();
        config["datanodes"]![0]!["slave"]!["host"] = "node01";
        var report = TestConfigs.Validate(config);
        Assert.NotNull(report.Topology);
        Assert.Contains("useless for HA", Assert.Single(report.Warnings, w => w.Path == "datanodes[0].slave.host").Message);
    }

    [Fact]
    public void Datanode_without_slave_is_a_warning()
    {
        var config = TestConfigs.Minimal();
        config["datanodes"]![0]!.AsObject().Remove("slave");
        var report = TestConfigs.Validate(config);
        Assert.Null(report.Topology!.Datanodes[0].Slave);
        Assert.Single(report.Warnings, w => w.Path == "datanodes[0].slave");
    }

    [Fact]
    public void No_coordinators_is_a_warning_for_xc_but_expected_for_postgresql()
    {
        var xc = TestConfigs.Minimal();
        xc.Remove("coordinators");
        Assert.Single(TestConfigs.Validate(xc).Warnings, w => w.Path == "coordinators");

        var pg = TestConfigs.Minimal();
        pg.Remove("coordinators");
        pg.Remove("gtm");
        pg["flavor"] = "postgresql";
        Assert.Empty(TestConfigs.Validate(pg).Warnings);
    }

    [Fact]
    public void Postgresql_datanodes_behind_coordinators_are_accepted_as_in_the_lab()
    {
        var config = TestConfigs.Minimal();
        config["flavor"] = "postgresql";
        var report = TestConfigs.Validate(config);
        Assert.Empty(report.Errors);
        Assert.NotEmpty(report.Topology!.Coordinators);
    }

    [Theory]
    [InlineData("{\"env\": \"A\", \"file\": \"/x\"}", "database.password")]
    [InlineData("{}", "database.password")]
    [InlineData("{\"env\": \"1BAD\"}", "database.password.env")]
    [InlineData("{\"file\": \"db.password\"}", "database.password.file")]
    public void Secret_references_must_name_one_env_var_or_absolute_file(string reference, string path)
    {
        var config = TestConfigs.Minimal();
        config["database"]!["password"] = JsonNode.Parse(reference);
        SingleError(TestConfigs.Validate(config), path);
    }

    [Fact]
    public void Undefined_host_lists_the_defined_ones()
    {
        var config = TestConfigs.Minimal();
        config["coordinators"]![0]!["host"] = "node9";
        Assert.Contains("(defined: node01, node02)", SingleError(TestConfigs.Validate(config), "coordinators[0].host").Message);
    }

    [Fact]
    public void Absolute_store_path_is_kept()
    {
        var config = TestConfigs.Minimal();
        config["store"] = new JsonObject { ["path"] = "/var/lib/pgxcbot/state.db" };
        Assert.Equal("/var/lib/pgxcbot/state.db", TestConfigs.Validate(config, "/etc/pgxcbot").Topology!.StorePath);
    }
}
