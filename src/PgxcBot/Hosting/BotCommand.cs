namespace PgxcBot.Hosting;

/// <summary>
/// The CLI commands that build a bot (<see cref="BotComposition.AddPgxcBot"/> decides, per command, what it holds).
/// check-config, diagram and lab build none of their own: lab runs <c>console</c> on the lab's config.
/// </summary>
public enum BotCommand
{
    /// <summary><c>pgxcbot serve</c>: the monitor and the chat adapter, until stopped.</summary>
    Serve,

    /// <summary><c>pgxcbot console</c>: the REPL, with the monitor beside it when <see cref="BotSetup.ConsoleMonitor"/>.</summary>
    Console,

    /// <summary><c>pgxcbot run "/pgxc ..."</c>: one command, then exit.</summary>
    Run,

    /// <summary><c>pgxcbot status</c>: one status (a Nagios check), then exit.</summary>
    Status,

    /// <summary><c>pgxcbot timeline</c>: the stored story, then exit.</summary>
    Timeline,

    /// <summary><c>pgxcbot register-commands</c>: Discord's /pgxc, then exit.</summary>
    RegisterCommands,
}
