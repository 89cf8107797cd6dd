namespace PgxcBot.Tests.Assessment;

/// <summary>Every form PostgreSQL accepts for synchronous_standby_names (docs "synchronous_standby_names",
/// syncrep_gram.y), and forms it refuses.</summary>
public class SyncStandbyNamesTests
{
    [Theory]
    [InlineData("datanode1_slave", SyncMethod.First, 1, new[] { "datanode1_slave" })]
    [InlineData("a, b", SyncMethod.First, 1, new[] { "a", "b" })]
    [InlineData("  a ,b  ", SyncMethod.First, 1, new[] { "a", "b" })]
    [InlineData("2 (a, b)", SyncMethod.First, 2, new[] { "a", "b" })]
    [InlineData("2(a,b,c)", SyncMethod.First, 2, new[] { "a", "b", "c" })]
    [InlineData("FIRST 1 (a, b)", SyncMethod.First, 1, new[] { "a", "b" })]
    [InlineData("first 2 (a, b)", SyncMethod.First, 2, new[] { "a", "b" })]
    [InlineData("ANY 1 (a, b)", SyncMethod.Any, 1, new[] { "a", "b" })]
    [InlineData("any 3 (a, b)", SyncMethod.Any, 3, new[] { "a", "b" })]
    [InlineData("*", SyncMethod.First, 1, new[] { "*" })]
    [InlineData("ANY 2 (*)", SyncMethod.Any, 2, new[] { "*" })]
    [InlineData("\"Data Node\", b", SyncMethod.First, 1, new[] { "Data Node", "b" })]
    [InlineData("\"say \"\"hi\"\"\"", SyncMethod.First, 1, new[] { "say \"hi\"" })]
    [InlineData("\"FIRST\", any", SyncMethod.First, 1, new[] { "FIRST", "any" })]
    [InlineData("first, b", SyncMethod.First, 1, new[] { "first", "b" })]
    [InlineData("ANY 1 (\"*\")", SyncMethod.Any, 1, new[] { "*" })]
    [InlineData("1 (a)", SyncMethod.First, 1, new[] { "a" })]
    [InlineData("a$b, _c9", SyncMethod.First, 1, new[] { "a$b", "_c9" })]
    [InlineData("123, a", SyncMethod.First, 1, new[] { "123", "a" })]
    public void Parses_every_accepted_form(string raw, SyncMethod method, int required, string[] names)
    {
        var parsed = SyncStandbyNames.Parse(raw);

        Assert.True(parsed.IsValid, parsed.Error);
        Assert.Equal(method, parsed.Method);
        Assert.Equal(required, parsed.Required);
        Assert.Equal(names, parsed.Names);
        Assert.True(parsed.IsConfigured);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void Empty_means_no_synchronous_standby(string? raw)
    {
        var parsed = SyncStandbyNames.Parse(raw);
        Assert.True(parsed.IsValid);
        Assert.False(parsed.IsConfigured);
        Assert.Equal(0, parsed.Required);
    }

    [Theory]
    [InlineData("2 (a)", "only 1 are listed")]
    [InlineData("FIRST 3 (a, b)", "only 2 are listed")]
    [InlineData("0 (a)", "at least 1")]
    [InlineData("ANY 0 (a)", "at least 1")]
    [InlineData("2 (a, b", "expected ')'")]
    [InlineData("FIRST 1 a, b", "expected '('")]
    [InlineData("a,", "ends where a name was expected")]
    [InlineData("a b", "unexpected 'b'")]
    [InlineData("\"a", "not closed")]
    [InlineData("\"\"", "empty")]
    [InlineData("a; b", "unexpected character ';'")]
    [InlineData("1abc", "neither a number nor a name")]
    public void Refuses_what_PostgreSQL_refuses_and_says_why(string raw, string why)
    {
        var parsed = SyncStandbyNames.Parse(raw);
        Assert.False(parsed.IsValid);
        Assert.Contains(why, parsed.Error);
        Assert.False(parsed.IsConfigured);
        Assert.Contains("not understood", parsed.Describe());
    }

    [Fact]
    public void Names_match_application_names_case_insensitively_quoted_or_not_and_star_matches_all()
    {
        var parsed = SyncStandbyNames.Parse("\"DataNode1_Slave\", spare");
        Assert.Equal(1, parsed.Priority("datanode1_slave"));
        Assert.Equal(2, parsed.Priority("SPARE"));
        Assert.Null(parsed.Priority("other"));
        Assert.Equal(2, SyncStandbyNames.Parse("a, *").Priority("anything"));
        Assert.True(SyncStandbyNames.Parse("ANY 1 (*)").Includes("x"));
    }

    [Fact]
    public void Describes_the_rule_for_messages()
    {
        Assert.Equal("FIRST 2 of (a, b)", SyncStandbyNames.Parse("2 (a, b)").Describe());
        Assert.Equal("ANY 1 of (a, b)", SyncStandbyNames.Parse("any 1 (a,b)").Describe());
        Assert.Equal("no synchronous standby", SyncStandbyNames.Parse("").Describe());
    }

    // IsConfigured and Includes (formerly beside the cluster assessor's tests).
    [Theory]
    [InlineData("", false, false)]
    [InlineData("datanode1_slave", true, true)]
    [InlineData("DATANODE1_SLAVE", true, true)]
    [InlineData("other", true, false)]
    [InlineData("FIRST 1 (other, \"datanode1_slave\")", true, true)]
    [InlineData("ANY 1 (a, b)", true, false)]
    [InlineData("2 (datanode1_slave, b)", true, true)]
    [InlineData("*", true, true)]
    public void Parses_every_form(string raw, bool configured, bool includesSlave)
    {
        var names = SyncStandbyNames.Parse(raw);
        Assert.Equal(configured, names.IsConfigured);
        Assert.Equal(includesSlave, names.Includes("datanode1_slave"));
    }
}
