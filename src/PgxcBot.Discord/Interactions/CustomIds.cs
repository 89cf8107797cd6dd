using PgxcBot.Core.Commands;

namespace PgxcBot.Discord.Interactions;

/// <summary>
/// A button's custom_id is the chat command it runs, word by word: <c>/pgxc approve 3 --plan ab12cd</c> is
/// <c>pgxc:approve:3:--plan:ab12cd</c>. A click is decoded back into the command line and goes through the same
/// parser and checks as a typed command, with the clicker as the actor, so a forged or replayed custom_id can
/// do no more than typing it would (the approval's plan nonce makes an old button harmless).
/// </summary>
public static class CustomIds
{
    public const string Prefix = "pgxc";
    public const int MaxLength = 100;

    /// <summary>The custom_id for <paramref name="command"/>, or null when it cannot be one (too long, or a word
    /// containing ':' or spaces).</summary>
    public static string? Encode(string command)
    {
        var (words, error) = CommandTokenizer.Split(command);
        if (error is not null || words.Count == 0) return null;
        var rest = words[0].Equals(CommandCatalogue.Prefix, StringComparison.OrdinalIgnoreCase) || words[0].Equals(Prefix, StringComparison.OrdinalIgnoreCase)
            ? words.Skip(1).ToArray()
            : words.ToArray();
        if (rest.Length == 0 || rest.Any(w => w.Length == 0 || w.Contains(':') || w.Any(char.IsWhiteSpace))) return null;
        var id = Prefix + ":" + string.Join(':', rest);
        return id.Length <= MaxLength ? id : null;
    }

    /// <summary>The command line of a custom_id made by <see cref="Encode"/>, or null for anything else.</summary>
    public static string? Decode(string? customId)
    {
        if (customId is null || customId.Length > MaxLength || !customId.StartsWith(Prefix + ":", StringComparison.Ordinal)) return null;
        var words = customId[(Prefix.Length + 1)..].Split(':');
        return words.Any(w => w.Length == 0) ? null : CommandCatalogue.Prefix + " " + string.Join(' ', words);
    }
}
