using System.Text;

namespace PgxcBot.Core.Pairs;

/// <summary>
/// The pair state machine as a Mermaid state diagram whose edges carry the sentence the bot logs and stores
/// when the transition happens (<see cref="PairTransitionRule.Reason"/>) and its guard, instead of the trigger's
/// name: the diagram a reviewer reads next to an incident's timeline (<c>pgxcbot diagram --reasons</c>).
/// Generated from <see cref="PairTransitions.Table"/>; rows that change nothing (Stay) are not edges.
/// </summary>
public static class PairReasonsDiagram
{
    /// <summary>Mermaid <c>stateDiagram-v2</c> text: the sub-states of Degraded nested in it, one edge per row
    /// that changes the state, labelled "Trigger — reason [guard]". Characters Mermaid reads as syntax in a
    /// label (<c>:</c>, <c>;</c>, <c>#</c>) are written as its entity codes.</summary>
    public static string ToMermaid()
    {
        var text = new StringBuilder();
        text.AppendLine("stateDiagram-v2");
        text.AppendLine($"    [*] --> {PairState.Sync}");
        text.AppendLine($"    state {PairState.Degraded} {{");
        foreach (var sub in PairTransitions.DegradedSubstates) text.AppendLine($"        {sub}");
        text.AppendLine("    }");
        foreach (var rule in PairTransitions.Table)
        {
            if (rule.To is not { } to) continue;
            var guard = rule.Guard is { } g ? $" [{g}]" : "";
            text.AppendLine($"    {rule.From} --> {to} : {Label($"{rule.Trigger} — {rule.Reason}{guard}")}");
        }
        return text.ToString();
    }

    /// <summary>A label Mermaid shows as written: each syntax character replaced by its code in one pass (a
    /// second pass would code the <c>;</c> that ends the first one's codes).</summary>
    private static string Label(string text)
    {
        var label = new StringBuilder(text.Length);
        foreach (var c in text)
            label.Append(c is ':' or ';' or '#' ? $"#{(int)c};" : c);
        return label.ToString();
    }
}
