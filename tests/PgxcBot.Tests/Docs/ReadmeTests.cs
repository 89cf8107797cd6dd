using PgxcBot.Tests.Secrets;

namespace PgxcBot.Tests.Docs;

public class ReadmeTests
{
    private static string Readme() =>
        File.ReadAllText(Path.Combine(Path.GetDirectoryName(TestConfigs.RepoConfigDirectory())!, "README.md"));

    [Fact]
    public void The_state_diagram_in_the_readme_is_the_one_the_code_generates()
    {
        var readme = Readme().ReplaceLineEndings("\n");
        var start = readme.IndexOf("```mermaid\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no mermaid block");
        var end = readme.IndexOf("\n```", start + 11, StringComparison.Ordinal);
        var shown = readme[(start + 11)..end].Trim();
        Assert.Equal(PairStateMachine.ToMermaid().ReplaceLineEndings("\n").Trim(), shown);
    }

    [Fact]
    public void The_readme_opens_with_the_two_commands_and_ci_runs_the_test_one()
    {
        var readme = Readme();
        Assert.Contains("dotnet run --project src/PgxcBot -- lab", readme);
        Assert.Contains("bash tests/run-tests.sh", readme);
        var ci = File.ReadAllText(Path.Combine(Path.GetDirectoryName(TestConfigs.RepoConfigDirectory())!, ".ci", "run"));
        Assert.Contains("bash tests/run-tests.sh", ci);
    }
}
