using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PgxcBot.Core.Commands;

namespace PgxcBot.Discord.Interactions;

/// <summary>
/// The <c>/pgxc</c> slash command, generated from <see cref="CommandCatalogue"/>: one sub-command per catalogue
/// entry, its arguments and options as typed Discord options (datanodes with autocomplete, choices as
/// choices, operation numbers as integers, flags as booleans). An invocation is turned back into the command
/// line the console would have typed, so it goes through the one parser.
/// </summary>
public static class SlashCommands
{
    public const string Name = "pgxc";

    private const int SubCommand = 1, String = 3, Integer = 4, Boolean = 5;

    /// <summary>The body of the bulk-overwrite PUT: an array holding the one <c>/pgxc</c> command.</summary>
    public static JsonArray Build(IEnumerable<CommandSpec> specs)
    {
        var subs = new JsonArray();
        foreach (var spec in specs.Where(s => s.Available))
        {
            var options = new List<(bool Required, JsonObject Option)>();
            foreach (var argument in spec.Arguments)
            {
                var option = new JsonObject
                {
                    ["type"] = argument.Kind == ArgumentKind.OperationId ? Integer : String,
                    ["name"] = argument.Name,
                    ["description"] = Describe(argument.Description),
                    ["required"] = argument.Required,
                };
                switch (argument.Kind)
                {
                    case ArgumentKind.Datanode: option["autocomplete"] = true; break;
                    case ArgumentKind.OperationId: option["min_value"] = 1; break;
                    case ArgumentKind.Choice: option["choices"] = Choices(argument.Choices ?? []); break;
                    case ArgumentKind.Command: option["choices"] = Choices(CommandCatalogue.All.Select(c => c.Name)); break;
                }
                options.Add((argument.Required, option));
            }
            foreach (var flag in spec.Options)
            {
                var option = new JsonObject
                {
                    ["type"] = flag.IsFlag ? Boolean : flag.IsNumber ? Integer : String,
                    ["name"] = flag.Name,
                    ["description"] = Describe(flag.Description),
                    ["required"] = false,
                };
                if (flag.IsNumber) option["min_value"] = 1;
                options.Add((false, option));
            }
            var sub = new JsonObject { ["type"] = SubCommand, ["name"] = spec.Name, ["description"] = Describe(spec.Description) };
            // Discord wants required options first; the order inside each group stays the catalogue's.
            if (options.Count > 0) sub["options"] = new JsonArray(options.Where(o => o.Required).Concat(options.Where(o => !o.Required)).Select(o => (JsonNode)o.Option).ToArray());
            subs.Add((JsonNode)sub);
        }
        return new JsonArray(new JsonObject
        {
            ["name"] = Name,
            ["type"] = 1,
            ["description"] = "Postgres-XC/XL datanode high availability: status, plans, failover with approval.",
            ["options"] = subs,
        });
    }

    /// <summary>The command line of a <c>/pgxc</c> invocation (<c>data</c> of an APPLICATION_COMMAND), or an error.</summary>
    public static (string? Line, string? Error) ToCommandLine(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object || !data.TryGetProperty("name", out var name) || name.GetString() != Name)
            return (null, "this is not a /pgxc command.");
        if (!data.TryGetProperty("options", out var subs) || subs.ValueKind != JsonValueKind.Array || subs.GetArrayLength() == 0)
            return (null, "no sub-command given; try /pgxc help.");
        var sub = subs[0];
        var subName = sub.GetProperty("name").GetString() ?? "";
        var spec = CommandCatalogue.Find(subName);
        if (spec is null) return (null, $"unknown sub-command '{subName}'; the registered commands are out of date: run pgxcbot register-commands.");

        var given = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (sub.TryGetProperty("options", out var options) && options.ValueKind == JsonValueKind.Array)
            foreach (var option in options.EnumerateArray())
                given[option.GetProperty("name").GetString()!] = option.GetProperty("value");

        var words = new List<string> { CommandCatalogue.Prefix, spec.Name };
        foreach (var argument in spec.Arguments)
        {
            if (!given.TryGetValue(argument.Name, out var value)) continue;
            var (word, error) = Word(argument.Name, value);
            if (error is not null) return (null, error);
            words.Add(word!);
        }
        foreach (var option in spec.Options)
        {
            if (!given.TryGetValue(option.Name, out var value)) continue;
            if (option.IsFlag)
            {
                if (value.ValueKind == JsonValueKind.True) words.Add("--" + option.Name);
                continue;
            }
            var (word, error) = Word(option.Name, value);
            if (error is not null) return (null, error);
            words.Add("--" + option.Name);
            words.Add(word!);
        }
        return (string.Join(' ', words), null);
    }

    /// <summary>The focused option of an autocomplete interaction: its argument and what was typed so far.</summary>
    public static (CommandArgument? Argument, string Typed) Focused(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object || !data.TryGetProperty("options", out var subs) || subs.ValueKind != JsonValueKind.Array || subs.GetArrayLength() == 0)
            return (null, "");
        var sub = subs[0];
        var spec = CommandCatalogue.Find(sub.GetProperty("name").GetString() ?? "");
        if (spec is null || !sub.TryGetProperty("options", out var options)) return (null, "");
        foreach (var option in options.EnumerateArray())
        {
            if (!option.TryGetProperty("focused", out var focused) || focused.ValueKind != JsonValueKind.True) continue;
            var name = option.GetProperty("name").GetString();
            var typed = option.GetProperty("value") is { ValueKind: JsonValueKind.String } v ? v.GetString() ?? "" : "";
            return (spec.Arguments.FirstOrDefault(a => a.Name == name), typed);
        }
        return (null, "");
    }

    /// <summary>Up to 25 names containing <paramref name="typed"/>, those starting with it first.</summary>
    public static JsonObject AutocompleteResponse(IEnumerable<string> candidates, string typed)
    {
        var matches = candidates
            .Where(c => c.Contains(typed, StringComparison.OrdinalIgnoreCase))
            .OrderBy(c => c.StartsWith(typed, StringComparison.OrdinalIgnoreCase) ? 0 : 1).ThenBy(c => c, StringComparer.Ordinal)
            .Take(25)
            .Select(c => (JsonNode)new JsonObject { ["name"] = c, ["value"] = c })
            .ToArray();
        return new JsonObject { ["type"] = 8, ["data"] = new JsonObject { ["choices"] = new JsonArray(matches) } };
    }

    private static (string? Word, string? Error) Word(string name, JsonElement value)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() ?? "",
            JsonValueKind.Number => value.GetRawText(),
            _ => value.GetRawText(),
        };
        if (text.Length == 0 || text.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '“' or '”' or '‘' or '’'))
            return (null, $"{name}: '{text}' is not one word; give a single word without spaces or quotes.");
        return (text.ToString(CultureInfo.InvariantCulture), null);
    }

    private static string Describe(string description) => description.Length <= 100 ? description : description[..99] + "…";

    private static JsonArray Choices(IEnumerable<string> values) =>
        new(values.Take(25).Select(v => (JsonNode)new JsonObject { ["name"] = v, ["value"] = v }).ToArray());
}
