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
        Build("stop", server, "-w", "-t", Seconds(WaitLimit), "-m", mode.ToString().ToLowerInvariant());

    /// <summary>Stop (in <paramref name="mode"/>) and start again with the same options; the log goes to <paramref name="logFile"/>.</summary>
    public ShellCommand Restart(ServerLocation server, StopMode mode, string logFile) =>
        Build("restart", server, "-w", "-t", Seconds(WaitLimit), "-m", mode.ToString().ToLowerInvariant(), "-l", logFile);

    public ShellCommand Promote(ServerLocation server) => Build("promote", server, "-w", "-t", Seconds(WaitLimit));

    public ShellCommand Reload(ServerLocation server) => Build("reload", server);

    /// <summary>Exit 0 running, 3 not running, 4 no data directory.</summary>
    public ShellCommand Status(ServerLocation server) => ShellCommand.Of(Program, "status", "-D", server.DataDir);

    private ShellCommand Build(string action, ServerLocation server, params string[] options)
    {
        var arguments = new List<string> { action };
        arguments.AddRange(options);
        if (flavor is Flavor.PostgresXc or Flavor.PostgresXl) arguments.AddRange(["-Z", "datanode"]);
        arguments.AddRange(["-D", server.DataDir]);
        return ShellCommand.Of(Program, [.. arguments]);
    }

    private static string Seconds(TimeSpan t) => ((int)t.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
