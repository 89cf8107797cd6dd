namespace PgxcBot.Cli;

/// <summary>The parsed command line: <c>pgxcbot &lt;command&gt; --config FILE [--json] [--verbose]</c>.</summary>
public sealed record CliArguments(string? Command, string? ConfigPath, bool Json, bool Verbose, bool Help)
{
    /// <summary>Parses <paramref name="args"/>; the error says which argument is wrong.</summary>
    public static (CliArguments? Arguments, string? Error) Parse(IReadOnlyList<string> args)
    {
        string? command = null, config = null;
        bool json = false, verbose = false, help = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "--help" or "-h" or "help":
                    help = true;
                    break;
                case "--json":
                    json = true;
                    break;
                case "--verbose" or "-v":
                    verbose = true;
                    break;
                case "--config" or "-c":
                    if (i + 1 >= args.Count) return (null, "--config needs a file: --config /etc/pgxcbot/pgxcbot.json");
                    config = args[++i];
                    break;
                default:
                    if (arg.StartsWith("--config=", StringComparison.Ordinal))
                        config = arg["--config=".Length..];
                    else if (arg.StartsWith('-'))
                        return (null, $"unknown option {arg}; valid: --config FILE, --json, --verbose, --help");
                    else if (command is null)
                        command = arg;
                    else
                        return (null, $"unexpected argument '{arg}' after the command '{command}'");
                    break;
            }
        }
        return (new CliArguments(command, config, json, verbose, help), null);
    }
}
