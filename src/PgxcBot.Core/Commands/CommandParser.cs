using System.Globalization;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Text;

namespace PgxcBot.Core.Commands;

/// <summary>Either a command or an error that says what is valid.</summary>
public sealed record CommandParseResult(ChatCommand? Command, string? Error)
{
    public bool Success => Command is not null;
    public static CommandParseResult Ok(ChatCommand command) => new(command, null);
    public static CommandParseResult Fail(string error) => new(null, error);
}

/// <summary>
/// The one parser for chat commands, used by the console and by chat adapters: <c>/pgxc &lt;sub&gt; [args]
/// [--options]</c> (the <c>/pgxc</c> prefix may be left out). Datanode arguments are checked against the
/// configured datanodes, so a typo is caught here rather than half-way through a runbook.
/// </summary>
public sealed class CommandParser(IReadOnlyList<string> datanodes)
{
    private static readonly string ValidCommands = string.Join(", ", CommandCatalogue.All.Select(c => c.Name));

    /// <summary>Parses one line; see the type summary.</summary>
    public CommandParseResult Parse(string line)
    {
        var (words, tokenError) = CommandTokenizer.Split(line);
        if (tokenError is not null) return CommandParseResult.Fail(tokenError);

        var rest = words.AsEnumerable();
        if (words.Count > 0 && (words[0].Equals(CommandCatalogue.Prefix, StringComparison.OrdinalIgnoreCase)
                                || words[0].Equals("pgxc", StringComparison.OrdinalIgnoreCase)))
            rest = rest.Skip(1);
        var tokens = rest.ToList();
        if (tokens.Count == 0)
            return CommandParseResult.Fail($"no command given. Valid: {ValidCommands}. Try {CommandCatalogue.Prefix} help.");

        var name = tokens[0];
        var spec = CommandCatalogue.Find(name);
        if (spec is null)
        {
            var suggestion = Suggestions.Closest(name, CommandCatalogue.All.Select(c => c.Name));
            var hint = suggestion is null ? "." : $"; did you mean {suggestion}?";
            return CommandParseResult.Fail($"unknown command '{name}'{hint} Valid: {ValidCommands}.");
        }
        return ParseArguments(spec, tokens.Skip(1).ToList());
    }

    private CommandParseResult ParseArguments(CommandSpec spec, List<string> tokens)
    {
        var positional = new List<string>();
        var flags = new HashSet<string>(StringComparer.Ordinal);
        var values = new Dictionary<string, int>(StringComparer.Ordinal);
        var words = new Dictionary<string, string>(StringComparer.Ordinal);

        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length == 2)
            {
                positional.Add(token);
                continue;
            }
            var (optionName, inlineValue) = token[2..].Split('=', 2) is [var n, var v] ? (n, (string?)v) : (token[2..], null);
            var option = spec.Options.FirstOrDefault(o => o.Name.Equals(optionName, StringComparison.OrdinalIgnoreCase));
            if (option is null)
                return CommandParseResult.Fail(UnknownOption(spec, optionName));
            if (option.IsFlag)
            {
                if (inlineValue is not null)
                    return CommandParseResult.Fail($"--{option.Name} takes no value; write just --{option.Name}. Usage: {spec.Usage}");
                flags.Add(option.Name);
                continue;
            }
            var value = inlineValue ?? (i + 1 < tokens.Count ? tokens[++i] : null);
            if (value is null)
                return CommandParseResult.Fail($"--{option.Name} needs a value. Usage: {spec.Usage}");
            if (option.IsText)
            {
                words[option.Name] = value;
                continue;
            }
            if (!option.IsNumber)
            {
                if (!value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                    return CommandParseResult.Fail($"--{option.Name} takes one word of letters and digits, not '{value}'. Usage: {spec.Usage}");
                words[option.Name] = value;
                continue;
            }
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
                return CommandParseResult.Fail($"--{option.Name} needs a whole number above 0, not '{value}'. Usage: {spec.Usage}");
            values[option.Name] = number;
        }

        if (spec.Name is "maintenance" or "silence" or "ack" or "unack")
        {
            var (command, error) = MaintenanceCommands.Create(spec, positional, v => Check(spec.Arguments[0], v), flags, words);
            return command is null ? CommandParseResult.Fail(error!) : CommandParseResult.Ok(command);
        }

        if (positional.Count > spec.Arguments.Count)
            return CommandParseResult.Fail(
                $"{spec.Name} takes {Count(spec.Arguments.Count, "argument")}, got {positional.Count} ('{string.Join("' '", positional)}'). Quote a value that contains spaces. Usage: {spec.Usage}");

        var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Arguments.Count; i++)
        {
            var argument = spec.Arguments[i];
            if (i >= positional.Count)
            {
                if (argument.Required)
                    return CommandParseResult.Fail($"{spec.Name} needs {Describe(argument)}. Usage: {spec.Usage}");
                continue;
            }
            var (value, error) = Check(argument, positional[i]);
            if (error is not null) return CommandParseResult.Fail(error);
            arguments[argument.Name] = value!;
        }
        if (spec.Name == "timeline")
        {
            var since = words.GetValueOrDefault("since");
            var (window, windowError) = Monitoring.MaintenanceDuration.Parse(since ?? "2h", "since");
            if (windowError is not null) return CommandParseResult.Fail($"{windowError} Usage: {spec.Usage}");
            return CommandParseResult.Ok(new TimelineCommand(arguments.GetValueOrDefault("datanode"), window!.Value, since ?? "2h"));
        }
        return CommandParseResult.Ok(Create(spec, arguments, flags, values, words));
    }

    private (string? Value, string? Error) Check(CommandArgument argument, string value)
    {
        switch (argument.Kind)
        {
            case ArgumentKind.Datanode:
                var datanode = datanodes.FirstOrDefault(d => d.Equals(value, StringComparison.OrdinalIgnoreCase));
                if (datanode is not null) return (datanode, null);
                var near = Suggestions.Closest(value, datanodes);
                return (null, $"no datanode '{value}' in the configuration{(near is null ? "." : $"; did you mean {near}?")} Configured: {Configured()}.");
            case ArgumentKind.Choice:
                var choices = argument.Choices ?? [];
                var choice = choices.FirstOrDefault(c => c.Equals(value, StringComparison.OrdinalIgnoreCase));
                if (choice is not null) return (choice, null);
                var close = Suggestions.Closest(value, choices);
                return (null, $"'{value}' is not a valid {argument.Name}{(close is null ? "." : $"; did you mean {close}?")} Valid: {string.Join(", ", choices)}.");
            case ArgumentKind.OperationId:
                var digits = value.TrimStart('#');
                return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
                    ? (id.ToString(CultureInfo.InvariantCulture), null)
                    : (null, $"'{value}' is not an operation number; the plan and progress messages show it (e.g. 12). See {CommandCatalogue.Prefix} history.");
            default:
                var spec = CommandCatalogue.Find(value);
                if (spec is not null) return (spec.Name, null);
                var similar = Suggestions.Closest(value, CommandCatalogue.All.Select(c => c.Name));
                return (null, $"unknown command '{value}'{(similar is null ? "." : $"; did you mean {similar}?")} Valid: {ValidCommands}.");
        }
    }

    private string Describe(CommandArgument argument) => argument.Kind switch
    {
        ArgumentKind.Datanode => $"a datanode (configured: {Configured()})",
        ArgumentKind.Choice => $"an {argument.Name} ({string.Join(", ", argument.Choices ?? [])})",
        ArgumentKind.OperationId => "an operation number (see /pgxc history)",
        _ => $"a {argument.Name}",
    };

    private string Configured() => datanodes.Count == 0 ? "none" : string.Join(", ", datanodes);

    private static string UnknownOption(CommandSpec spec, string name)
    {
        if (spec.Options.Count == 0)
            return $"{spec.Name} has no options (--{name} given). Usage: {spec.Usage}";
        var near = Suggestions.Closest(name, spec.Options.Select(o => o.Name));
        return $"unknown option --{name} for {spec.Name}{(near is null ? "." : $"; did you mean --{near}?")} Valid: {string.Join(", ", spec.Options.Select(o => "--" + o.Name))}.";
    }

    private static string Count(int n, string noun) => n switch
    {
        0 => $"no {noun}s",
        1 => $"one {noun}",
        _ => $"{n} {noun}s",
    };

    private static ChatCommand Create(CommandSpec spec, Dictionary<string, string> args,
        HashSet<string> flags, Dictionary<string, int> values, Dictionary<string, string> words)
    {
        string? Arg(string name) => args.GetValueOrDefault(name);
        string Required(string name) => args[name];
        long Id() => long.Parse(args["operation"], CultureInfo.InvariantCulture);
        if (OperationKinds.Find(spec.Name) is { } kind)
            return new OperationCommand(kind, Required("datanode"), kind.Options.Where(o => flags.Contains(o.Name)).Select(o => o.Name).ToArray());
        return spec.Name switch
        {
            "status" => new StatusCommand(Arg("datanode"), flags.Contains("chart")),
            "help" => new HelpCommand(Arg("command")),
            "plan" => new PlanCommand(Required("operation"), Required("datanode")),
            "approve" => new ApproveCommand(Id(), words.GetValueOrDefault("plan"), flags.Order(StringComparer.Ordinal).ToArray()),
            "cancel" => new CancelCommand(Id(), flags.Contains("abandon")),
            "resume" => new ResumeCommand(Id()),
            "history" => new HistoryCommand(Arg("datanode"), values.GetValueOrDefault("limit", HistoryCommand.DefaultLimit)),
            _ => throw new InvalidOperationException($"catalogue command '{spec.Name}' has no constructor in CommandParser"),
        };
    }
}
