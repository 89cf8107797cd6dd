using PgxcBot.Tests.Hosting;
using PgxcBot.Tests.Assessment;

namespace PgxcBot.Tests.Pairs;

public sealed class PairReasonsDiagramTests
{
    [Fact]
    public void Every_row_that_changes_the_state_is_one_edge_labelled_with_its_sentence_and_guard()
    {
        var edges = PairReasonsDiagram.ToMermaid().Split('\n').Where(l => l.Contains(" --> ", StringComparison.Ordinal) && !l.Contains("[*]", StringComparison.Ordinal)).ToList();

        var changing = PairTransitions.Table.Where(r => r.To is not null).ToList();
        Assert.Equal(changing.Count, edges.Count);
        foreach (var (rule, edge) in changing.Zip(edges))
        {
            Assert.StartsWith($"    {rule.From} --> {rule.To} : {rule.Trigger} — ", edge);
            // The sentence as logged, with only Mermaid's syntax characters coded.
            Assert.Contains(string.Concat(rule.Reason.Select(c => c switch { ':' => "#58;", ';' => "#59;", '#' => "#35;", _ => c.ToString() })), edge);
            if (rule.Guard is { } guard) Assert.EndsWith($"[{guard}]", edge.TrimEnd());
        }
        // Rows that change nothing are no edges: "Still in sync" is not drawn.
        Assert.DoesNotContain("Still in sync", PairReasonsDiagram.ToMermaid());
    }

    [Fact]
    public void A_label_never_carries_a_raw_colon_after_the_edge_separator()
    {
        foreach (var edge in PairReasonsDiagram.ToMermaid().Split('\n').Where(l => l.Contains(" : ", StringComparison.Ordinal)))
            Assert.DoesNotContain(':', edge[(edge.IndexOf(" : ", StringComparison.Ordinal) + 3)..]);
    }

    [Fact]
    public async Task The_cli_prints_the_reasons_diagram_with_the_flag_and_the_trigger_diagram_without()
    {
        var reasons = await CliRun.RunAsync(["diagram", "--reasons"]);
        var plain = await CliRun.RunAsync(["diagram"]);

        Assert.Equal(0, reasons.ExitCode);
        Assert.Equal(PairReasonsDiagram.ToMermaid().TrimEnd(), reasons.Out.TrimEnd());
        Assert.Equal(PairStateMachine.ToMermaid().TrimEnd(), plain.Out.TrimEnd());
        Assert.Contains("The synchronous slave stopped streaming", reasons.Out);
        Assert.DoesNotContain("The synchronous slave stopped streaming", plain.Out);
    }
}
