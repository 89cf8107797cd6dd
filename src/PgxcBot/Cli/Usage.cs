namespace PgxcBot.Cli;

internal static class Usage
{
    public const string Text = """
        pgxcbot — ChatOps for Postgres-XC/XL datanode high availability

        Usage:
          pgxcbot lab [--keep] [--folder DIR]    build a local lab (2 PostgreSQL pairs, 2 simulated coordinators)
                                                 and open the console on it; pgxcbot lab down removes a kept lab
          pgxcbot lab --flavor postgres-xc|postgres-xl
                                                 the lab on a real installation ($PGXCBOT_XC_HOME / $PGXCBOT_XL_HOME):
                                                 GTM, 2 coordinators, 2 datanode pairs
          pgxcbot check-config --config FILE [--file-only]
                                                 check the configuration, then the secrets, SSH keys and store
                                                 it refers to on this machine; print every error and warning
          pgxcbot status --config FILE [--json] [--png FILE] [--direct]
                                                 probe the cluster once and print its status; --png also writes
                                                 the last hour's replication lag of every pair as a picture.
                                                 With monitor.httpListen set and the bot serving there, the
                                                 serving bot observes (warm connections) and this prints it
          pgxcbot timeline [DATANODE] --config FILE [--since 2h] [--json] [--png FILE]
                                                 every stored event in order (state changes, incidents, requests,
                                                 refusals, approvals, steps, commits blocked), with durations
          pgxcbot console --config FILE [--as U] type chat commands (/pgxc status, /pgxc help); exit or quit to leave;
                                                 /pgxc as USER ... speaks for another user (approvals);
                                                 an interactive console also runs the monitor and prints its alerts
          pgxcbot run "/pgxc ..." --config FILE [--as USER]
                                                 run one chat command and exit (1 when refused or failed)
          pgxcbot diagram                        print the pair state machine (Mermaid), generated from its table
          pgxcbot diagram --reasons              the same, each edge labelled with the sentence the transition logs
          pgxcbot serve --config FILE            run the bot (Discord adapter when configured) until stopped
          pgxcbot register-commands --config FILE  (re)register /pgxc in the configured Discord guild
          pgxcbot --help

        Options:
          --config, -c FILE   the JSON configuration (see config/pgxcbot.example.json)
          --json              status: print the snapshot and assessment as JSON on stdout; timeline: the events
          --since D           timeline: how far back (30m, 2h, 1d; default 2h, at most 7d)
          --png FILE          status: the lag picture; timeline: the timeline picture (the path is printed)
          --direct            status: observe from this process, not through the serving bot
          --monitor           console: run the monitor even when input is redirected (--no-monitor: never)
          --file-only         check-config: the file only (e.g. in a config repository's CI, without secrets)
          --verbose, -v       more log output (always on stderr)

        Exit codes: 0 ok, 2 bad configuration or command line, 3 unexpected error, 130 console or lab ended by a
        signal (Ctrl+C, SIGTERM, SIGHUP; the lab is torn down); run: 1 when the answer is a warning or worse.
        status follows Nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (it could not run).
        """;
}
