using PgxcBot.Core.Assessment;
using PgxcBot.Core.Commands;

namespace PgxcBot.Core.Messages;

/// <summary>Help text generated from the <see cref="CommandCatalogue"/>, so it cannot drift from the parser.</summary>
public static class HelpMessageBuilder
{
    /// <summary>All commands: usage, what it does, and whether it needs approval or is not available yet.</summary>
    public static ChatMessage Build(IReadOnlyList<CommandSpec>? catalogue = null)
    {
        var lines = new List<string>();
        foreach (var spec in catalogue ?? CommandCatalogue.All)
        {
            lines.Add($"{spec.Usage}{Notes(spec)}");
            lines.Add($"    {spec.Description}");
        }
        lines.Add($"Details of one command: {CommandCatalogue.Prefix} help <command>");
        lines.Add("");
        lines.Add("What the bot advises when (the same advice status, alerts and refusals give):");
        lines.AddRange(Advice.PairAdvisor.Guide("<datanode>").Select(g => $"  {g.Situation}: {g.Next}"));
        return new ChatMessage("PgxcBot commands", Severity.Info, [], lines, [], []);
    }

    /// <summary>One command in detail: usage, arguments and options.</summary>
    public static ChatMessage Build(CommandSpec spec)
    {
        var lines = new List<string> { spec.Usage + Notes(spec), spec.Description };
        foreach (var argument in spec.Arguments)
        {
            var choices = argument.Choices is { Count: > 0 } c ? $" ({string.Join(", ", c)})" : "";
            lines.Add($"  {argument.Name}{(argument.Required ? "" : " (optional)")}: {argument.Description}{choices}");
        }
        foreach (var option in spec.Options)
            lines.Add($"  --{option.Name}{(option.IsFlag ? "" : " N")}: {option.Description}");
        return new ChatMessage($"{CommandCatalogue.Prefix} {spec.Name}", Severity.Info, [], lines, [], []);
    }

    /// <summary>The answer to a declared command that is not implemented yet.</summary>
    public static ChatMessage NotYetAvailable(CommandSpec spec) => ChatMessage.Simple(
        $"{CommandCatalogue.Prefix} {spec.Name} is not yet available",
        Severity.Info,
        $"{spec.Name} is understood but not implemented in this version; nothing was changed.",
        $"Available now: {string.Join(", ", CommandCatalogue.All.Where(c => c.Available).Select(c => c.Name))}.");

    private static string Notes(CommandSpec spec)
    {
        var notes = new List<string>();
        if (spec.ApprovalNote is { } when) notes.Add(when);
        else if (spec.NeedsApproval) notes.Add("needs approval");
        if (!spec.Available) notes.Add("not yet available");
        return notes.Count == 0 ? "" : $"  ({string.Join(", ", notes)})";
    }
}
