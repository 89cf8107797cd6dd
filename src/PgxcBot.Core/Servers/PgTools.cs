using System.Globalization;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Servers;

/// <summary>What is in a slave's data directory before a base backup.</summary>
public enum DataDirState { Absent, Empty, NotEmpty, Unknown }

/// <summary>
/// The server programs besides pg_ctl (pg_basebackup, pg_rewind, pg_controldata) and the few shell
/// scripts the lifecycle runbooks need. Every script is a constant text run by <c>sh -c</c>; paths,
/// conninfo and programs reach it only as quoted arguments ($1, $2, ...), never spliced into it.
/// </summary>
public sealed class PgTools(string? binDir = null)
{
    /// <summary>Suffix of a data directory moved aside; the full name adds a UTC time stamp.</summary>
    public const string MovedAsideSuffix = ".pgxcbot-";

    private string Program(string name) => binDir is null ? name : binDir.TrimEnd('/') + "/" + name;

    public string PgCtlProgram => Program("pg_ctl");

    /// <summary>
    /// A base backup of <paramref name="master"/> for <paramref name="dataDir"/> (which must be empty),
    /// streaming the WAL it needs, with a fast checkpoint so it starts at once. It is copied into
    /// <c>dir.pgxcbot-incoming</c> and renamed into place only when complete, so a copy cut short (the bot
    /// or the connection died) never looks like a finished one; the half copy, the bot's own, is removed on
    /// the next try. No -R: the bot writes the recovery settings itself (with the application_name the
    /// master's synchronous_standby_names names).
    /// </summary>
    public ShellCommand BaseBackup(ServerLocation master, string replicationUser, string dataDir) => ShellCommand.Of("sh", "-c",
        "rm -rf \"$1.pgxcbot-incoming\" && \"$2\" -h \"$3\" -p \"$4\" -U \"$5\" -D \"$1.pgxcbot-incoming\" -X stream -c fast -w " +
        "&& rmdir \"$1\" && mv \"$1.pgxcbot-incoming\" \"$1\"",
        "pgxcbot-base-backup", dataDir.TrimEnd('/'), Program("pg_basebackup"), master.Address, SqlText.Port(master.Port), replicationUser);

    /// <summary>
    /// pg_rewind of a stopped old master onto the new master's timeline. Our fencing marker
    /// (standby.signal / recovery.conf) is removed first: pg_rewind finishes crash recovery of an
    /// immediately stopped server in single-user mode, which refuses to run as a standby. The standby
    /// files are written again by the next steps.
    /// </summary>
    public ShellCommand Rewind(string dataDir, string sourceConnInfo) => ShellCommand.Of("sh", "-c",
        "rm -f \"$1/standby.signal\" \"$1/recovery.conf\" && \"$2\" --target-pgdata=\"$1\" --source-server=\"$3\" --progress",
        "pgxcbot-rewind", dataDir, Program("pg_rewind"), sourceConnInfo);

    /// <summary>pg_controldata in the C locale, so its labels parse (<see cref="ControlData.Parse"/>). The data
    /// directory is given as the plain argument every version takes: 9.3 (Postgres-XC) has no -D option and
    /// reads "-D" as the directory (measured: "could not open file "-D/global/pg_control"").</summary>
    public ShellCommand ControlData(string dataDir) => ShellCommand.Of("env", "LC_ALL=C", Program("pg_controldata"), dataDir);

    /// <summary>The process list and pg_controldata of one server (<see cref="ProcessList"/>): how far a standby
    /// that refuses SQL (a stock Postgres-XL standby) has received.</summary>
    public ShellCommand ProcessFacts(string dataDir) => ProcessList.Command(binDir, [dataDir]);

    /// <summary>
    /// Exit 0 when pg_controldata says the data directory is a standby in recovery ("in archive recovery"):
    /// how a stock Postgres-XL hot standby, which refuses every SQL connection, is seen to run as a standby.
    /// </summary>
    public ShellCommand InArchiveRecovery(string dataDir) => ShellCommand.Of("sh", "-c",
        "LC_ALL=C \"$1\" \"$2\" | grep -q '^Database cluster state: *in archive recovery'",
        "pgxcbot-in-recovery", Program("pg_controldata"), dataDir);

    /// <summary>
    /// Exit 0 when no process has its working directory in <paramref name="dataDir"/>: every process of a
    /// server (postmaster and children) runs there, so this says the last one of an old server is gone.
    /// After kill -9 of a Postgres-XL postmaster its pooler lives on for 20-30 s holding the shared memory,
    /// and pg_ctl start fails meanwhile ("pre-existing shared memory block ... still in use", measured).
    /// The comparison is the shell's own <c>test -ef</c> (same device and inode), not a readlink per process:
    /// a fork per process took over 5 s on a loaded 2-core host (measured) and failed the rebuild.
    /// </summary>
    public static ShellCommand NoProcessIn(string dataDir) => ShellCommand.Of("sh", "-c",
        "d=$(cd \"$1\" 2>/dev/null && pwd -P) || exit 0; for p in /proc/[0-9]*; do " +
        "[ \"$p/cwd\" -ef \"$d\" ] && { echo \"process ${p#/proc/} still runs in $d\" >&2; exit 1; }; done; exit 0",
        "pgxcbot-no-process", dataDir);

    /// <summary>
    /// Exit 0 when no backend of the server running in <paramref name="dataDir"/> waits for a synchronous
    /// standby: PostgreSQL 9.x (Postgres-XC) shows such a commit only in its process title, which ends in
    /// "waiting for X/Y" while SyncRepWaitForLSN waits; it has no wait_event to ask in SQL.
    /// </summary>
    public static ShellCommand NoSyncRepWaiters(string dataDir) => ShellCommand.Of("sh", "-c",
        "pid=$(head -n 1 \"$1/postmaster.pid\" 2>/dev/null) || exit 0; [ -n \"$pid\" ] || exit 0; " +
        "! ps -o args= --ppid \"$pid\" 2>/dev/null | grep -qE ' waiting for [0-9A-Fa-f]+/[0-9A-Fa-f]+ *$'",
        "pgxcbot-no-syncrep-waiters", dataDir);

    /// <summary>Prints absent, empty or not-empty for a directory.</summary>
    public static ShellCommand DirState(string dir) => ShellCommand.Of("sh", "-c",
        "if [ ! -e \"$1\" ]; then echo absent; elif [ -d \"$1\" ] && [ -z \"$(ls -A \"$1\")\" ]; then echo empty; else echo not-empty; fi",
        "pgxcbot-dir-state", dir);

    public static DataDirState ParseDirState(string output) => output.Trim() switch
    {
        "absent" => DataDirState.Absent,
        "empty" => DataDirState.Empty,
        "not-empty" => DataDirState.NotEmpty,
        _ => DataDirState.Unknown,
    };

    /// <summary>
    /// Makes <paramref name="dir"/> an empty directory of mode 0700. Refuses (exit 4) while a server runs
    /// in it. A non-empty directory is refused (exit 3), or with <paramref name="moveAside"/> renamed to
    /// <c>dir.pgxcbot-YYYYMMDDTHHMMSSZ</c>: an operator's data is never deleted.
    /// </summary>
    public ShellCommand PrepareEmptyDir(string dir, bool moveAside) => ShellCommand.Of("sh", "-c",
        "if \"$2\" status -D \"$1\" >/dev/null 2>&1; then echo \"a server is running in $1: stop it first\" >&2; exit 4; fi; " +
        "if [ -e \"$1\" ] && [ -n \"$(ls -A \"$1\" 2>/dev/null)\" -o ! -d \"$1\" ]; then " +
        "if [ \"$3\" != move-aside ]; then echo \"$1 is not empty: refusing to overwrite it\" >&2; exit 3; fi; " +
        "to=\"$1" + MovedAsideSuffix + "$(date -u +%Y%m%dT%H%M%SZ)\"; mv \"$1\" \"$to\" && echo \"moved the old data to $to\" || exit 5; fi; " +
        "mkdir -p \"$1\" && chmod 700 \"$1\"",
        "pgxcbot-prepare-dir", dir, PgCtlProgram, moveAside ? "move-aside" : "refuse");

    /// <summary>Exit 0 when <paramref name="dir"/> is an empty directory.</summary>
    public static ShellCommand IsEmptyDir(string dir) => ShellCommand.Of("sh", "-c",
        "[ -d \"$1\" ] && [ -z \"$(ls -A \"$1\")\" ]", "pgxcbot-is-empty", dir);

    /// <summary>
    /// Removes the settings that make a server follow a master (<see cref="RecoveryConfig.FollowSettingNames"/>)
    /// from postgresql.auto.conf. A base backup or pg_rewind copies that file from the master; a promoted
    /// master's copy still names the server it used to follow, and auto.conf overrides every include file.
    /// </summary>
    public static ShellCommand StripFollowSettings(string dataDir) => ShellCommand.Of("sh", "-c",
        "f=\"$1/postgresql.auto.conf\"; [ -f \"$f\" ] || exit 0; " +
        "grep -v -E \"$2\" \"$f\" > \"$f.pgxcbot-tmp\"; mv -f \"$f.pgxcbot-tmp\" \"$f\"",
        "pgxcbot-strip-follow", dataDir, FollowPattern);

    /// <summary>Exit 1 (or 2 without the file) when postgresql.auto.conf names no master to follow.</summary>
    public static ShellCommand HasFollowSettings(string dataDir) =>
        ShellCommand.Of("grep", "-qE", FollowPattern, ManagedConfig.Path(dataDir, "postgresql.auto.conf"));

    private static string FollowPattern =>
        "^[[:space:]]*(" + string.Join('|', RecoveryConfig.FollowSettingNames) + ")[[:space:]]*=";

    /// <summary>pg_hba.conf line letting <paramref name="user"/> connect for replication from <paramref name="address"/>.</summary>
    public static string HbaReplicationLine(string user, string address)
    {
        if (!SqlText.IsHostAddress(address))
            throw new ArgumentException($"'{address}' is not a host name or IP address", nameof(address));
        if (user.Length == 0 || user.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
            throw new ArgumentException($"database user '{user}' must be letters, digits, '_', '-' or '.' to go into pg_hba.conf", nameof(user));
        var source = System.Net.IPAddress.TryParse(address, out var ip)
            ? ip + (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "/128" : "/32")
            : address;
        return string.Create(CultureInfo.InvariantCulture, $"host replication {user} {source} trust");
    }
}
