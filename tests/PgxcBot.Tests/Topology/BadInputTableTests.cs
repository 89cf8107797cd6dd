using System.Text.RegularExpressions;
using PgxcBot.Tests.Secrets;

namespace PgxcBot.Tests.Topology;

/// <summary>
/// The table of <see cref="BadInputTable"/>: each configuration field × each class of bad value of its kind
/// (and, for strings, the invisible-character classes). Each one must give an error at that field's path
/// with a fix, on one line, never repeating a value given where a secret belongs; a text mistake must give
/// exactly one error (the meant value is still used, so nothing else fails because of it).
/// </summary>
public partial class BadInputTableTests
{
    public static IEnumerable<object[]> Cases() =>
        BadInputTable.All().Select(c => new object[] { c.Field.Path, c.Bad.Class, c.Bad.Json, c.TextClass });

    /// <summary>Words that introduce a fix in our messages.</summary>
    [GeneratedRegex(@"e\.g\.|\b(give|write|remove|use|set|expected|keep|add|create|change|check|get)\b", RegexOptions.IgnoreCase)]
    private static partial Regex NamesAFix();

    [Fact]
    public void The_base_configuration_with_every_field_is_valid()
    {
        var report = TestConfigs.Validate(BadInputTable.Base());
        Assert.Empty(report.Errors);
        Assert.NotNull(report.Topology);
    }

    [Fact]
    public void Every_kind_has_bad_values_and_every_field_a_kind() =>
        Assert.All(BadInputTable.Fields, f => Assert.NotEmpty(BadInputTable.KindClasses[f.Kind]));

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_bad_value_is_an_error_at_its_path_with_the_fix(string path, string badClass, string json, bool textClass)
    {
        var config = BadInputTable.With(path, JsonNode.Parse(json));

        var report = TestConfigs.Validate(config);

        Assert.Null(report.Topology);
        var error = Assert.Single(report.Errors, e => e.Path == path || e.Path.StartsWith(path + ".", StringComparison.Ordinal));
        Assert.Matches(NamesAFix(), error.Message);
        foreach (var issue in report.Errors.Concat(report.Warnings))
            Assert.All(issue.ToString(), c => Assert.True(ConfigRules.Invisible(c) is null, $"{badClass}: an invisible character in: {ConfigRules.Show(issue.ToString())}"));
        if (textClass)
            Assert.True(report.Errors.Count == 1, $"{badClass}: expected one error, got: {string.Join(" | ", report.Errors)}");
        if (BadInputTable.Fields.First(f => f.Path == path).Kind == "secret")
            foreach (var canary in BadInputTable.SecretCanaries)
                Assert.DoesNotContain(canary, string.Join("\n", report.Errors.Concat(report.Warnings)));
    }
}
