using PgxcBot.Core.Remote;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Servers;

public enum StopMode { Smart, Fast, Immediate }

/// <summary>
/// pg_ctl as each flavor wants it. Postgres-XC and -XL need <c>-Z datanode</c> (and then print nothing at
/// all), so callers judge pg_ctl by its exit code and by asking the server, never by its output.
/// </summary>
public sealed class PgCtl(Flavor flavor, string? binDir = null)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);

    private string Program => binDir is null ? "pg_ctl" : binDir.TrimEnd('/') + "/pg_ctl";

    public ShellCommand Start(ServerLocation server, string logFile) =>
        Build("start", server, "-w", "-t", Seconds(WaitLimit), "-l", logFile);

    public ShellCommand Stop(ServerLocation server, StopMode mode) =>
        Build("stop", server, "-w", "-t", Seconds(WaitLimit), "-m", Mode(mode));

    /// <summary>Stop (in <paramref name="mode"/>) and start again with the same options; the log goes to <paramref name="logFile"/>.</summary>
    public ShellCommand Restart(ServerLocation server, StopMode mode, string logFile) =>
        Build("restart", server, "-w", "-t", Seconds(WaitLimit), "-m", Mode(mode), "-l", logFile);

    public ShellCommand Promote(ServerLocation server) => Build("promote", server, "-w", "-t", Seconds(WaitLimit));

    public ShellCommand Reload(ServerLocation server) => Build("reload", server);

    /// <summary>Exit 0 running, 3 not running, 4 no data directory.</summary>
    public ShellCommand Status(ServerLocation server) => ShellCommand.Of(Program, "status", "-D", server.DataDir);

    // ---- by hand: the short forms a problem's next step tells a person to type on the server's host ----------
    // No wait or log options (a person watches the command), the flavor's mode right after the action, as
    // pg_ctl's own usage shows it. Same flavor rule as the bot's own calls (ModeOptions).

    /// <summary>"pg_ctl restart [-Z datanode] -m MODE -D DIR", for a person to type on the server's host.</summary>
    public ShellCommand RestartByHand(ServerLocation server, StopMode mode) => ByHand("restart", server, true, "-m", Mode(mode));

    /// <summary>"pg_ctl stop [-Z datanode] -m MODE -D DIR", for a person to type on the server's host.</summary>
    public ShellCommand StopByHand(ServerLocation server, StopMode mode) => ByHand("stop", server, true, "-m", Mode(mode));

    /// <summary>"pg_ctl promote [-Z datanode] -D DIR", for a person to type on the slave's host.</summary>
    public ShellCommand PromoteByHand(ServerLocation server) => ByHand("promote", server, true);

    /// <summary>"pg_ctl reload -D DIR" on every flavor: a reload only signals the running postmaster (SIGHUP),
    /// so the short form a person types leaves the datanode mode out.</summary>
    public ShellCommand ReloadByHand(ServerLocation server) => ByHand("reload", server, false);

    /// <summary>The one flavor rule: Postgres-XC and -XL run pg_ctl in datanode mode (<c>-Z datanode</c>; without it
    /// XC's <c>pg_ctl start</c> exits 1); plain PostgreSQL has no such option.</summary>
    private string[] ModeOptions => flavor is Flavor.PostgresXc or Flavor.PostgresXl ? ["-Z", "datanode"] : [];

    private ShellCommand Build(string action, ServerLocation server, params string[] options) =>
        ShellCommand.Of(Program, [action, .. options, .. ModeOptions, "-D", server.DataDir]);

    private ShellCommand ByHand(string action, ServerLocation server, bool withMode, params string[] options) =>
        ShellCommand.Of("pg_ctl", [action, .. withMode ? ModeOptions : [], .. options, "-D", server.DataDir]);

    private static string Mode(StopMode mode) => mode.ToString().ToLowerInvariant();

    private static string Seconds(TimeSpan t) => ((int)t.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
