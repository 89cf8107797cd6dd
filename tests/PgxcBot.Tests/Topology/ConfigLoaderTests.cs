using PgxcBot.Tests.Secrets;

namespace PgxcBot.Tests.Topology;

public class ConfigLoaderTests
{
    [Fact]
    public void Comments_trailing_commas_and_any_key_case_are_accepted()
    {
        var result = ConfigLoader.Parse("""
            // the cluster
            {
              "FLAVOR": "postgres-xl", /* inline */
              "Datanodes": [ { "name": "dn1", "master": { "Port": 5432, }, }, ],
            }
            """);

        Assert.Empty(result.Errors);
        Assert.Equal("postgres-xl", result.Options.Flavor);
        Assert.Equal(5432, result.Options.Datanodes[0].Master!.Port);
    }

    [Fact]
    public void A_string_where_a_number_belongs_is_reported_with_its_path()
    {
        var result = ConfigLoader.Parse("""{ "datanodes": [ { "master": { "port": "abc" } } ] }""");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("datanodes[0].master.port: \"abc\" is not a number", error.ToString());
        Assert.Null(result.Options.Datanodes[0].Master!.Port);
    }

    [Fact]
    public void A_quoted_number_gets_the_fix_spelled_out()
    {
        var error = Assert.Single(ConfigLoader.Parse("""{ "hosts": [ { "sshPort": "2222" } ] }""").Errors);
        Assert.Equal("hosts[0].sshPort", error.Path);
        Assert.Contains("without quotes: 2222", error.Message);
    }

    [Theory]
    [InlineData("""{ "hosts": {} }""", "hosts", "expected a list")]
    [InlineData("""{ "database": [] }""", "database", "expected an object")]
    [InlineData("""{ "flavor": 3 }""", "flavor", "3 is not a string")]
    [InlineData("""{ "datanodes": [ { "master": { "port": 1.5 } } ] }""", "datanodes[0].master.port", "1.5 is not a whole number")]
    [InlineData("""{ "datanodes": [ null ] }""", "datanodes[0]", "null in a list")]
    public void Type_mistakes_name_the_path_and_the_expected_type(string json, string path, string expected)
    {
        var error = Assert.Single(ConfigLoader.Parse(json).Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Every_mistake_is_reported_and_the_rest_is_still_read()
    {
        var result = ConfigLoader.Parse("""
            { "flavor": "postgres-xc",
              "datanodes": [ { "name": 1 }, { "name": "dn2", "master": { "port": "x" } } ],
              "monitor": { "intervalSeconds": "fast" } }
            """);

        Assert.Equal(["datanodes[0].name", "datanodes[1].master.port", "monitor.intervalSeconds"], result.Errors.Select(e => e.Path));
        Assert.Equal("postgres-xc", result.Options.Flavor);
        Assert.Equal("dn2", result.Options.Datanodes[1].Name);
    }

    [Fact]
    public void Unknown_keys_are_reported_with_a_suggestion()
    {
        var error = Assert.Single(ConfigLoader.Parse("""{ "hosts": [ { "hostKeyFingerprnt": "x" } ] }""").Errors);
        Assert.Equal("hosts[0].hostKeyFingerprnt", error.Path);
        Assert.Contains("did you mean \"hostKeyFingerprint\"?", error.Message);
    }

    [Fact]
    public void Unknown_keys_far_from_any_known_key_list_the_allowed_ones()
    {
        var error = Assert.Single(ConfigLoader.Parse("""{ "zzz": 1 }""").Errors);
        Assert.DoesNotContain("did you mean", error.Message);
        Assert.Contains("coordinators, database, datanodes, discord, flavor, gtm, hosts, monitor, store", error.Message);
    }

    [Fact]
    public void An_inline_password_is_refused_without_echoing_it()
    {
        var error = Assert.Single(ConfigLoader.Parse("""{ "database": { "password": "s3cret!" } }""").Errors);
        Assert.Equal("database.password", error.Path);
        Assert.Contains("{\"env\": \"PGXCBOT_DB_PASSWORD\"}", error.Message);
        Assert.Contains("{\"file\": \"/etc/pgxcbot/db.password\"}", error.Message);
        Assert.DoesNotContain("s3cret!", error.Message);
    }

    [Fact]
    public void Invalid_json_is_one_error_with_its_line()
    {
        var error = Assert.Single(ConfigLoader.Parse("{\n  \"flavor\": \"postgres-xc\"\n  \"hosts\": []\n}").Errors);
        Assert.Equal("", error.Path);
        Assert.StartsWith("line 3,", error.Message);
    }

    [Fact]
    public void A_root_that_is_not_an_object_is_an_error()
    {
        Assert.Contains("one JSON object", Assert.Single(ConfigLoader.Parse("[1, 2]").Errors).Message);
    }

    [Fact]
    public void A_key_given_twice_is_an_error()
    {
        var error = Assert.Single(ConfigLoader.Parse("""{ "flavor": "postgres-xc", "Flavor": "postgresql" }""").Errors);
        Assert.Equal("flavor", error.Path);
    }
}
