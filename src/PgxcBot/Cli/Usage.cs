namespace PgxcBot.Cli;

internal static class Usage
{
    public const string Text = """
        pgxcbot — ChatOps for Postgres-XC/XL datanode high availability

        Usage:
          pgxcbot check-config --config FILE     check the configuration; print every error and warning
          pgxcbot status --config FILE [--json]  probe the cluster once and print its status
          pgxcbot console --config FILE          type chat commands (/pgxc status, /pgxc help); exit or quit to leave;
                                                 an interactive console also runs the monitor and prints its alerts
          pgxcbot --help

        Options:
          --config, -c FILE   the JSON configuration (see config/pgxcbot.example.json)
          --json              status: print the snapshot and assessment as JSON on stdout
          --monitor           console: run the monitor even when input is redirected (--no-monitor: never)
          --verbose, -v       more log output (always on stderr)

        Exit codes: 0 ok/healthy, 1 status found a warning or worse, 2 bad configuration or command line,
        3 unexpected error.
        """;
}
