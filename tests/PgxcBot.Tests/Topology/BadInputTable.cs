using PgxcBot.Tests.Secrets;

namespace PgxcBot.Tests.Topology;

/// <summary>
/// Every configuration field, grouped by kind, with a valid value; and for each kind the classes of bad
/// values an operator (or a copy-paste) produces. <see cref="BadInputTableTests"/> tries each field with each
/// bad value of its kind, plus the text classes that every string field shares.
/// </summary>
internal static class BadInputTable
{
    /// <summary>A field: its JSON path, its kind and a valid value (the bad text values are made from it).</summary>
    public sealed record Field(string Path, string Kind, JsonNode Valid);

    /// <summary>A bad value: a class name (for the test's name) and the JSON to put in the field.</summary>
    public sealed record Bad(string Class, string Json);

    private static Field F(string path, string kind, JsonNode valid) => new(path, kind, valid);

    public static readonly Field[] Fields =
    [
        F("flavor", "keyword", "postgres-xc"),
        F("hosts[0].name", "host-name", "node01"),
        F("hosts[0].address", "address", "node01"),
        F("hosts[0].transport", "keyword", "ssh"),
        F("hosts[0].sshPort", "port", 22),
        F("hosts[0].user", "os-user", "postgresxc"),
        F("hosts[0].hostKeyFingerprint", "fingerprint", TestConfigs.FingerprintA),
        F("hosts[0].keyFile", "local-file", "/etc/pgxcbot/id_ed25519"),
        F("hosts[0].keyPassphrase", "secret", new JsonObject { ["env"] = "PGXCBOT_SSH_KEY_PASSPHRASE" }),
        F("hosts[0].pgBinDir", "remote-path", "/usr/lib/postgresql/15/bin"),
        F("datanodes[0].name", "node-name", "datanode1"),
        F("datanodes[0].master.host", "host-reference", "node01"),
        F("datanodes[0].master.port", "port", 20006),
        F("datanodes[0].master.dataDir", "remote-path", "/home/postgresxc/pgxc/datanode"),
        F("datanodes[0].slave.host", "host-reference", "node02"),
        F("datanodes[0].slave.port", "port", 20010),
        F("datanodes[0].slave.dataDir", "remote-path", "/home/postgresxc/pgxc/datanode1_slave"),
        F("datanodes[0].slave.applicationName", "node-name", "datanode1_slave"),
        F("datanodes[0].slave.archiveDir", "remote-path", "/home/postgresxc/pgxc/datanode1_arclog"),
        F("coordinators[0].name", "node-name", "coord1"),
        F("coordinators[0].host", "host-reference", "node01"),
        F("coordinators[0].port", "port", 20004),
        F("database.user", "role", "postgresxc"),
        F("database.database", "role", "postgres"),
        F("database.password", "secret", new JsonObject { ["env"] = "PGXCBOT_DB_PASSWORD" }),
        F("monitor.intervalSeconds", "duration", 1),
        F("monitor.connectTimeoutSeconds", "duration", 0.5),
        F("monitor.commandTimeoutSeconds", "duration", 2),
        F("monitor.lagWarningSeconds", "duration", 10),
        F("monitor.lagCriticalSeconds", "duration", 60),
        F("monitor.lagWarningBytes", "count", 1024),
        F("monitor.lagCriticalBytes", "count", 1L << 40),
        F("monitor.walRetainedWarningBytes", "count", 256L << 20),
        F("monitor.walRetainedCriticalBytes", "count", 1L << 40),
        F("monitor.preparedTransactionWarningSeconds", "duration", 60),
        F("monitor.preparedTransactionCriticalSeconds", "duration", 900),
        F("monitor.httpListen", "endpoint", "127.0.0.1:9187"),
        F("store.path", "store-path", "/var/lib/pgxcbot/pgxcbot.db"),
        F("approvals.requesters.users[0]", "chat-id", "539101234567890123"),
        F("approvals.requesters.roles[0]", "chat-id", "777000000000000001"),
        F("approvals.approvers.users[0]", "chat-id", "alice"),
        F("approvals.approvers.roles[0]", "chat-id", "777000000000000002"),
        F("approvals.allowSelfApproval", "bool", false),
        F("approvals.expiryMinutes", "duration", 10),
        F("alerts.degradePolicy", "keyword", "auto"),
        F("alerts.resyncPolicy", "keyword", "ask"),
        F("alerts.flapPolls", "count", 2),
        F("alerts.reminderMinutes", "duration", 30),
        F("alerts.reopenWindowMinutes", "duration", 10),
        F("alerts.autoFailover", "bool", false),
        F("alerts.graceSeconds", "duration", 30),
        F("alerts.sshCheckSeconds", "duration", 30),
        F("discord.mode", "keyword", "gateway"),
        F("discord.applicationId", "snowflake", "1100000000000000001"),
        F("discord.guildId", "snowflake", "1100000000000000002"),
        F("discord.channelId", "snowflake", "1100000000000000003"),
        F("discord.onCallRoleId", "snowflake", "1100000000000000004"),
        F("discord.token", "secret", new JsonObject { ["env"] = "PGXCBOT_DISCORD_TOKEN" }),
        F("discord.publicKey", "public-key", new string('a', 64)),
        F("discord.publicKeyFrom", "secret", new JsonObject { ["file"] = "/etc/pgxcbot/discord.public-key" }),
        F("discord.listenAddress", "ip-address", "127.0.0.1"),
        F("discord.listenPort", "port", 8080),
        F("discord.path", "url-path", "/interactions"),
        F("discord.timestampWindowSeconds", "duration", 300),
        F("discord.registerCommandsAtStart", "bool", false),
        F("discord.apiBaseUrl", "url", "https://discord.com/api/v10/"),
        F("telemetry.otlpEndpoint", "otlp-url", "http://127.0.0.1:4317"),
        F("telemetry.otlpProtocol", "keyword", "grpc"),
        F("telemetry.otlpExportIntervalSeconds", "duration", 60),
    ];

    private static Bad B(string label, string json) => new(label, json);
    private static Bad S(string label, string text) => new(label, JsonValue.Create(text)!.ToJsonString());

    /// <summary>What a value given in place of a secret may be: never repeated in any message.</summary>
    public static readonly string[] SecretCanaries = ["hunter2", "12345678", "Hunter2-Token.xyz", "s3cr3tPassw0rd"];

    /// <summary>The bad values of each kind (the text classes of string fields come from <see cref="TextClasses"/>).</summary>
    public static readonly Dictionary<string, Bad[]> KindClasses = new()
    {
        ["node-name"] =
        [
            S("upper-case", "Datanode1"), S("leading digit", "1datanode"), S("hyphen", "data-node"),
            S("sql injection", "dn'; DROP TABLE x; --"), S("shell substitution", "dn$(id)"), S("64 characters", new string('d', 64)),
            S("empty", ""), S("unicode lookalike", "datanodе1"), B("number", "1"), B("list", "[\"datanode1\"]"),
        ],
        ["host-name"] =
        [
            S("space inside", "node 01"), S("leading hyphen", "-node"), S("semicolon", "node;id"), S("64 characters", new string('n', 64)),
            S("empty", ""), B("number", "1"), B("object", "{}"),
        ],
        ["host-reference"] = [S("undefined host", "node03"), S("empty", ""), B("number", "1")],
        ["os-user"] =
        [
            S("upper-case", "Postgres"), S("space inside", "post gres"), S("semicolon", "pg;id"), S("33 characters", new string('u', 33)),
            S("empty", ""), B("number", "1000"),
        ],
        ["role"] = [S("hyphen", "my-role"), S("space inside", "my role"), S("quote", "r\"x"), S("empty", ""), B("number", "1")],
        ["address"] =
        [
            S("underscore", "node_01"), S("leading hyphen", "-node"), S("IPv4 out of range", "300.1.1.1"), S("space inside", "node 01"),
            S("IPv6 zone with shell command", "::1%$(id)"), S("IPv6 zone with semicolon", "fe80::1%eth0;reboot"), S("IPv6 in brackets", "[::1]"),
            S("hex IPv4", "0x7f.0.0.1"), S("short IPv4", "1"), S("octal-looking IPv4", "01.2.3.4"), S("semicolon", "node01;id"),
            S("254 characters", string.Join('.', Enumerable.Repeat(new string('a', 50), 5)) + "abcd"), S("empty", ""), B("number", "10"),
        ],
        ["ip-address"] = [S("host name", "localhost"), S("short IPv4", "1"), S("IPv6 zone with semicolon", "::1%;id"), S("IPv4 out of range", "256.0.0.1"), S("empty", "")],
        ["endpoint"] =
        [
            S("port only", "9187"), S("address only", "127.0.0.1"), S("port 0", "127.0.0.1:0"), S("port too large", "127.0.0.1:70000"),
            S("IPv6 without brackets", "::1:9187"), S("host name", "example.com:9187"), S("IPv6 zone with shell command", "[::1%$(id)]:9187"), S("empty", ""),
        ],
        ["remote-path"] =
        [
            S("relative", "relative/dir"), S("tilde", "~/pgxc/datanode"), S("semicolon command", "/data/dn1; rm -rf /"), S("quote", "/data/dn'1"),
            S("command substitution", "/data/$(id)"), S("backticks", "/data/`id`"), S("dot-dot", "/data/../etc"), S("space inside", "/data/dn 1"),
            S("glob", "/data/*"), S("1025 characters", "/" + new string('p', 1024)), S("empty", ""), B("number", "1"),
        ],
        ["local-file"] =
        [
            S("relative", "id_ed25519"), S("tilde", "~/.ssh/id_ed25519"), S("directory", "/etc/pgxcbot/"), S("dot-dot at end", "/etc/pgxcbot/.."),
            S("1025 characters", "/" + new string('k', 1024)), S("empty", ""), B("number", "1"),
        ],
        ["store-path"] = [S("directory", "/var/lib/pgxcbot/"), S("dot", "."), S("dot-dot", ".."), S("empty", ""), B("number", "1")],
        ["fingerprint"] =
        [
            S("too short", "SHA256:tooShort"), S("md5", "MD5:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            S("base64 padding", TestConfigs.FingerprintA + "="), S("empty", ""), B("number", "256"),
        ],
        ["keyword"] = [S("unknown word", "sometimes"), S("empty", ""), B("number", "1"), B("bool", "true")],
        ["port"] = [B("zero", "0"), B("negative", "-1"), B("65536", "65536"), B("70000", "70000"), B("fraction", "1.5"), S("quoted", "20006"), B("bool", "true")],
        ["duration"] =
        [
            B("zero", "0"), B("negative", "-1"), B("a thousandth", "0.001"), B("far too large", "1e12"), S("quoted", "5"), S("with unit", "5s"), B("bool", "true"),
        ],
        ["count"] = [B("zero", "0"), B("negative", "-1"), B("too large", "1e18"), B("fraction", "1.5"), S("quoted", "2")],
        ["chat-id"] =
        [
            S("empty", ""), S("space inside", "alice bob"), S("semicolon", "a;b"), S("mention syntax", "<@123>"), S("leading hyphen", "-x"),
            S("65 characters", new string('i', 65)), B("number", "539101234567890123"), B("bool", "true"),
        ],
        ["snowflake"] =
        [
            S("empty", ""), S("letters", "abc"), S("zero", "0"), S("negative", "-1"), S("too many digits", "123456789012345678901234"),
            S("exponent", "1e18"), S("leading zero", "01"), B("number", "1100000000000000000"),
        ],
        ["secret"] =
        [
            S("the secret inline", "hunter2"), B("a number inline", "12345678"), B("a list inline", "[\"hunter2\"]"), B("bool inline", "true"),
            B("secret as env name", "{\"env\": \"hunter2\"}"), B("token as env name", "{\"env\": \"Hunter2-Token.xyz\"}"),
            B("mixed-case env name", "{\"env\": \"s3cr3tPassw0rd\"}"), B("env name starting with a digit", "{\"env\": \"1BAD\"}"),
            B("env as a number", "{\"env\": 12345678}"), B("relative file", "{\"file\": \"hunter2\"}"), B("file is a directory", "{\"file\": \"/etc/pgxcbot/\"}"),
            B("env and file", "{\"env\": \"A\", \"file\": \"/x\"}"), B("neither", "{}"), B("env with a newline", "{\"env\": \"hunter2\\n\"}"),
            B("unknown key", "{\"value\": \"hunter2\"}"),
        ],
        ["public-key"] = [S("not hex", "xyz"), S("63 digits", new string('a', 63)), B("number", "1")],
        ["url-path"] = [S("relative", "interactions"), S("space inside", "/a b"), S("query", "/a?x=1"), S("empty", ""), B("number", "1")],
        ["url"] =
        [
            S("http to a remote host", "http://discord.example.com/api/v10/"), S("ftp", "ftp://discord.com/api/"), S("no scheme", "discord.com/api/v10"),
            S("user info", "https://user:pw@discord.com/api/v10/"), S("query", "https://discord.com/api/v10/?a=1"), S("fragment", "https://discord.com/api#x"),
            S("space in host", "https://disc ord.com/"), S("empty", ""), B("number", "1"),
        ],
        ["bool"] = [S("quoted", "true"), B("number", "1"), S("yes", "yes")],
        ["otlp-url"] =
        [
            S("ftp", "ftp://127.0.0.1:4317"), S("no scheme", "127.0.0.1:4317"), S("relative", "/v1/traces"), S("user info", "http://u:pw@127.0.0.1:4317"),
            S("query", "http://127.0.0.1:4318/?a=1"), S("fragment", "http://127.0.0.1:4318#x"), S("space in host", "http://col lector:4317"),
            S("empty", ""), B("number", "4317"),
        ],
    };

    /// <summary>The text classes every string field shares: invisible characters and outer spaces.
    /// <paramref name="valid"/> is the field's valid value.</summary>
    public static IEnumerable<Bad> TextClasses(string valid) =>
    [
        S("trailing newline", valid + "\n"), S("trailing CRLF", valid + "\r\n"), S("leading tab", "\t" + valid),
        S("newline inside", valid[..1] + "\n" + valid[1..]), S("NUL inside", valid[..1] + "\0" + valid[1..]),
        S("zero-width space at end", valid + "\u200B"), S("right-to-left override", "\u202E" + valid), S("escape character", valid + "\u001B"),
        S("line separator", valid + "\u2028"), S("trailing space", valid + " "), S("leading space", " " + valid),
    ];

    /// <summary>Every (field, bad value) pair the tests try.</summary>
    public static IEnumerable<(Field Field, Bad Bad, bool TextClass)> All()
    {
        foreach (var field in Fields)
        {
            if (field.Valid is JsonValue v && v.TryGetValue<string>(out var text))
                foreach (var bad in TextClasses(text)) yield return (field, bad, true);
            foreach (var bad in KindClasses[field.Kind]) yield return (field, bad, false);
        }
    }

    /// <summary>A valid configuration in which every field of <see cref="Fields"/> is present.</summary>
    public static JsonObject Base()
    {
        var config = TestConfigs.Minimal();
        foreach (var field in Fields) Set(config, field.Path, field.Valid.DeepClone());
        config["discord"]!.AsObject().Remove("publicKey"); // publicKey and publicKeyFrom exclude each other
        return config;
    }

    /// <summary>The base configuration with <paramref name="path"/> set to <paramref name="value"/> (for
    /// discord.publicKey, without publicKeyFrom).</summary>
    public static JsonObject With(string path, JsonNode? value)
    {
        var config = Base();
        if (path == "discord.publicKey") config["discord"]!.AsObject().Remove("publicKeyFrom");
        Set(config, path, value);
        return config;
    }

    /// <summary>Sets a value at "a.b[0].c", creating objects and list items on the way.</summary>
    public static void Set(JsonObject root, string path, JsonNode? value)
    {
        JsonNode node = root;
        var parts = path.Split('.');
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            var bracket = part.IndexOf('[');
            var key = bracket < 0 ? part : part[..bracket];
            var last = i == parts.Length - 1;
            var obj = node.AsObject();
            if (bracket < 0)
            {
                if (last) { obj[key] = value; return; }
                node = obj[key] ??= new JsonObject();
                continue;
            }
            var index = int.Parse(part[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
            var list = (obj[key] ??= new JsonArray()).AsArray();
            while (list.Count <= index) list.Add(last ? null : new JsonObject());
            if (last) { list[index] = value; return; }
            node = list[index]!;
        }
    }
}
