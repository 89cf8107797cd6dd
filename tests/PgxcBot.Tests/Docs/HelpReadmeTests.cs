using System.Text.RegularExpressions;
using PgxcBot.Core.Commands;
using PgxcBot.Tests.Secrets;

namespace PgxcBot.Tests.Docs;

/// <summary>/pgxc help and the README's command table say the same: every command, who must approve it, and
/// what repoint covers.</summary>
public partial class HelpReadmeTests
{
    private static string Readme() =>
        File.ReadAllText(Path.Combine(Path.GetDirectoryName(TestConfigs.RepoConfigDirectory())!, "README.md"));

    /// <summary>The README's command table: command name → (what it does, approval column).</summary>
    private static Dictionary<string, (string What, string Approval)> Table()
    {
        var rows = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (Match m in Row().Matches(Readme()))
            foreach (Match name in CommandName().Matches(m.Groups[1].Value))
                rows[name.Groups[1].Value] = (m.Groups[2].Value.Trim(), m.Groups[3].Value.Trim());
        return rows;
    }

    [Fact]
    public void Every_command_help_lists_is_in_the_readme_with_the_same_approval_rule()
    {
        var table = Table();
        var help = PlainTextRenderer.Render(HelpMessageBuilder.Build());
        foreach (var spec in CommandCatalogue.All.Where(s => s.Name != "help"))
        {
            Assert.True(table.TryGetValue(spec.Name, out var row), $"README's command table has no row for /pgxc {spec.Name}");
            if (spec.ApprovalNote is { } note)
            {
                Assert.Contains(row.Approval, note);
                Assert.Contains(note, help);
            }
            else if (spec.NeedsApproval)
            {
                Assert.StartsWith("yes", row.Approval);
            }
            else
            {
                Assert.True(row.Approval is "no" or "-" or "requester or approver", $"/pgxc {spec.Name}: README says '{row.Approval}', help says no approval");
            }
        }
    }

    [Fact]
    public void Repoint_covers_coordinators_and_datanode_catalogs_in_both()
    {
        Assert.Contains("every coordinator and datanode catalog", Table()["repoint"].What);
        Assert.Contains("every coordinator and every datanode catalog", OperationKinds.Repoint.Command.Description);
    }

    [Fact]
    public void Help_tells_the_advice_in_the_advisors_own_words()
    {
        var help = PlainTextRenderer.Render(HelpMessageBuilder.Build());
        Assert.Contains("the slave does not run after a promote (it is the fenced old master): /pgxc rebuild <datanode>", help);
        Assert.Contains("the master is lost and the slave was not in sync: bring the master back if at all possible; to accept the loss: /pgxc promote <datanode> --accept-data-loss", help);
        Assert.Contains("both servers are down after /pgxc stop: /pgxc start <datanode>", help);
        Assert.Contains("the slave is lost and commits wait for it: /pgxc async <datanode>, then /pgxc start <datanode>", help);
    }

    [GeneratedRegex(@"^\| (`/pgxc [^|]+) \| ([^|\n]+) \| ([^|\n]+) \|$", RegexOptions.Multiline)]
    private static partial Regex Row();

    [GeneratedRegex(@"`/pgxc ([a-z0-9-]+)")]
    private static partial Regex CommandName();
}
