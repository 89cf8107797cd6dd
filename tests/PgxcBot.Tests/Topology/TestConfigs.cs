using PgxcBot.Tests.Secrets;

namespace PgxcBot.Tests.Topology;

/// <summary>Valid configurations to start from; each test mutates its own copy.</summary>
internal static class TestConfigs
{
    public const string FingerprintA = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    public const string FingerprintB = "SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

    /// <summary>Two hosts, one datanode pair across them, one coordinator, the GTM: no error, no warning.</summary>
    public static JsonObject Minimal() => new()
    {
        ["flavor"] = "postgres-xc",
        ["hosts"] = new JsonArray(
            Host("node01", FingerprintA),
            Host("node02", FingerprintB)),
        ["datanodes"] = new JsonArray(new JsonObject
        {
            ["name"] = "datanode1",
            ["master"] = new JsonObject { ["host"] = "node01", ["port"] = 20006, ["dataDir"] = "/home/postgresxc/pgxc/datanode" },
            ["slave"] = new JsonObject { ["host"] = "node02", ["port"] = 20010, ["dataDir"] = "/home/postgresxc/pgxc/datanode1_slave" },
        }),
        ["coordinators"] = new JsonArray(new JsonObject { ["name"] = "coord1", ["host"] = "node01", ["port"] = 20004 }),
        ["gtm"] = new JsonObject { ["host"] = "node01", ["port"] = 20001 },
        ["database"] = new JsonObject { ["user"] = "postgresxc", ["password"] = new JsonObject { ["env"] = "PGXCBOT_DB_PASSWORD" } },
        ["approvals"] = new JsonObject
        {
            ["requesters"] = new JsonObject { ["users"] = new JsonArray("alice", "bob") },
            ["approvers"] = new JsonObject { ["users"] = new JsonArray("alice", "bob") },
        },
    };

    public static JsonObject Host(string name, string fingerprint) => new()
    {
        ["name"] = name,
        ["address"] = name,
        ["user"] = "postgresxc",
        ["hostKeyFingerprint"] = fingerprint,
        ["keyFile"] = "/etc/pgxcbot/id_ed25519",
    };

    public static ConfigReport Validate(JsonNode config, string? baseDirectory = null) =>
        ConfigValidator.Validate(ConfigLoader.Parse(config.ToJsonString()), baseDirectory);

    public static ConfigReport Validate(string json, string? baseDirectory = null) =>
        ConfigValidator.Validate(ConfigLoader.Parse(json), baseDirectory);

    /// <summary>The repository's config directory, found by walking up from the test binaries.</summary>
    public static string RepoConfigDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "config", "pgxcbot.example.json");
            if (File.Exists(candidate)) return Path.GetDirectoryName(candidate)!;
        }
        throw new InvalidOperationException("config/pgxcbot.example.json not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The JSON of the "five mistakes" scenario: each a different rule, all reported at once.</summary>
    public static string FiveMistakes()
    {
        var config = Minimal();
        config["flavor"] = "postgres-xq";                                   // 1 unknown flavor
        config["datanodes"]![0]!["slave"]!["port"] = 70000;                 // 2 not a TCP port
        config["datanodes"]![0]!["master"]!["host"] = "node03";             // 3 undefined host
        config["database"]!["password"] = "hunter2";                        // 4 inline password
        config["hosts"]![1]!.AsObject().Remove("hostKeyFingerprint");       // 5 no pinned host key
        return config.ToJsonString();
    }
}
