namespace PgxcBot.Cli;

/// <summary>Process exit codes, stable for scripts and monitoring (e.g. a Nagios-style check on status).</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;
    /// <summary>run: the answer was a Warning or worse. (status uses <see cref="NagiosCodes"/>.)</summary>
    public const int Unhealthy = 1;
    /// <summary>The configuration (or the command line) is wrong, or names a store path that can never work as it
    /// is (a directory, a missing directory, a read-only or damaged file); nothing was contacted.</summary>
    public const int BadConfig = 2;
    /// <summary>Anything unexpected; stderr says what.</summary>
    public const int Unexpected = 3;
    /// <summary>serve: the chat adapter cannot work as configured, for good (Discord rejected the bot token, gateway
    /// close code 4004 or 4010-4014, the token's file or variable became unreadable while running; at start that is
    /// exit 2); stderr names the cause. Passing failures (Discord down, slow, rate-limiting) never end the bot.</summary>
    public const int ChatRefused = 4;
    /// <summary>The console or lab was ended by a signal (Ctrl+C, SIGTERM, a closed terminal) and stopped
    /// cleanly (a lab's servers torn down): 128 + SIGINT, as shells report an interrupted command.</summary>
    public const int Interrupted = 130;
}

/// <summary>
/// <c>pgxcbot status</c> follows the Nagios plugin convention, so a Nagios, Icinga or Sensu check can run it as is:
/// the worst problem decides, and a status that cannot be taken at all (bad config, bad command line, a store
/// that cannot open, anything unexpected) is UNKNOWN, never mistaken for CRITICAL.
/// </summary>
public static class NagiosCodes
{
    /// <summary>No problem of Warning or worse (information only).</summary>
    public const int Ok = 0;
    /// <summary>The worst problem is a Warning.</summary>
    public const int Warning = 1;
    /// <summary>At least one Critical problem.</summary>
    public const int Critical = 2;
    /// <summary>The status could not be taken: "cannot run" (config, command line, store, unexpected error).</summary>
    public const int Unknown = 3;

    /// <summary>The code for a worst severity.</summary>
    public static int For(PgxcBot.Core.Assessment.Severity worst) => worst switch
    {
        PgxcBot.Core.Assessment.Severity.Critical => Critical,
        PgxcBot.Core.Assessment.Severity.Warning => Warning,
        _ => Ok,
    };
}
