namespace PgxcBot.Cli;

/// <summary>The parsed command line: <c>pgxcbot &lt;command&gt; [LINE] --config FILE [--as USER] [--json] [--verbose]</c>.</summary>
/// <param name="As">Who the console or run speaks for (approvals check it); default: the OS user.</param>
/// <param name="Line">For <c>run</c>: the one chat command to run; for <c>timeline</c>: the datanode, when given.</param>
/// <param name="Keep">For <c>lab</c>: keep the servers when the console ends.</param>
/// <param name="Folder">For <c>lab</c>: where the lab lives (default: a pgxcbot-lab folder in the temp directory).</param>
public sealed record CliArguments(string? Command, string? ConfigPath, bool Json, bool Verbose, bool Help, string? As = null, string? Line = null,
    bool Keep = false, string? Folder = null)
{
    /// <summary>console: run the monitor beside the REPL (--monitor / --no-monitor); null: only when interactive.</summary>
    public bool? Monitor { get; init; }

    /// <summary>check-config: the file only, not the secrets, keys and store it refers to (--file-only).</summary>
    public bool FileOnly { get; init; }

    /// <summary>lab: postgres-xc | postgres-xl | postgresql (--flavor); null: postgresql.</summary>
    public string? Flavor { get; init; }

    /// <summary>timeline: how far back (--since 2h); null: 2 h.</summary>
    public string? Since { get; init; }

    /// <summary>status, timeline: write the picture to this PNG file (--png FILE).</summary>
    public string? Png { get; init; }

    /// <summary>status: observe from this process even when a serving bot answers on <c>monitor.httpListen</c> (--direct).</summary>
    public bool Direct { get; init; }

    /// <summary>diagram: label each edge with the sentence the transition logs (--reasons), not the trigger's name.</summary>
    public bool Reasons { get; init; }

    /// <summary>Parses <paramref name="args"/>; the error says which argument is wrong.</summary>
    public static (CliArguments? Arguments, string? Error) Parse(IReadOnlyList<string> args)
    {
        string? command = null, config = null, actor = null, line = null, folder = null, flavor = null, since = null, png = null;
        bool json = false, verbose = false, help = false, keep = false, fileOnly = false, reasons = false, direct = false;
        bool? monitor = null;
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
                case "--keep":
                    keep = true;
                    break;
                case "--monitor":
                    monitor = true;
                    break;
                case "--no-monitor":
                    monitor = false;
                    break;
                case "--file-only":
                    fileOnly = true;
                    break;
                case "--reasons":
                    reasons = true;
                    break;
                case "--direct":
                    direct = true;
                    break;
                case "--verbose" or "-v":
                    verbose = true;
                    break;
                case "--folder":
                    if (i + 1 >= args.Count) return (null, "--folder needs a directory: --folder /tmp/my-lab");
                    folder = args[++i];
                    break;
                case "--flavor":
                    if (i + 1 >= args.Count) return (null, "--flavor needs a flavor: --flavor postgres-xc | postgres-xl | postgresql");
                    flavor = args[++i];
                    break;
                case "--since":
                    if (i + 1 >= args.Count) return (null, "--since needs a duration: --since 2h (30m, 1h30m, 1d; at most 7d)");
                    since = args[++i];
                    break;
                case "--png":
                    if (i + 1 >= args.Count) return (null, "--png needs a file to write: --png /tmp/lag.png");
                    png = args[++i];
                    break;
                case "--as":
                    if (i + 1 >= args.Count) return (null, "--as needs a user name: --as alice");
                    actor = args[++i];
                    break;
                case "--config" or "-c":
                    if (i + 1 >= args.Count) return (null, "--config needs a file: --config /etc/pgxcbot/pgxcbot.json");
                    config = args[++i];
                    break;
                default:
                    if (arg.StartsWith("--config=", StringComparison.Ordinal))
                        config = arg["--config=".Length..];
                    else if (arg.StartsWith('-'))
                        return (null, $"unknown option {arg}; valid: --config FILE, --as USER, --json, --since D, --png FILE, --keep, --folder DIR, --flavor F, --monitor, --no-monitor, --file-only, --reasons, --direct, --verbose, --help");
                    else if (command is null)
                        command = arg;
                    else if (command is "run" or "lab" or "timeline" && line is null)
                        line = arg;
                    else
                        return (null, $"unexpected argument '{arg}' after the command '{command}'");
                    break;
            }
        }
        if (command == "run" && line is null && !help)
            return (null, "run needs the chat command to run, quoted: pgxcbot run \"/pgxc status\" --config FILE");
        return (new CliArguments(command, config, json, verbose, help, actor, line, keep, folder) { Monitor = monitor, FileOnly = fileOnly, Flavor = flavor, Since = since, Png = png, Reasons = reasons, Direct = direct }, null);
    }
}
