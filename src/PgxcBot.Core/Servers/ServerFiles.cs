using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Servers;

/// <summary>
/// Files the bot owns beside and inside a data directory. The server's own settings (port, hot_standby,
/// and on PostgreSQL 12+ whom it follows) live in their own include file, apart from
/// <see cref="ManagedConfig.FileName"/> (the synchronous settings): each file is rewritten whole by one
/// runbook step, so rewriting one never drops the other's lines.
/// </summary>
public static class ServerFiles
{
    /// <summary>The server's own settings: port, hot_standby, replication settings (XC), recovery (12+).</summary>
    public const string ServerConf = "pgxcbot-server.conf";

    /// <summary>
    /// pg_ctl's -l log for servers the bot starts: beside the data directory, not in it, so base backups and
    /// pg_rewind never copy it. pg_ctl start needs one: without it the server keeps the SSH session's output open.
    /// </summary>
    public static string StartLog(ServerLocation server) => server.DataDir.TrimEnd('/') + ".pgxcbot.log";
}
