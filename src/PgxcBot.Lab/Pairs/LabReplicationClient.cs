using System.Diagnostics;

namespace PgxcBot.Lab.Pairs;

/// <summary>
/// A second replication client on a master: pg_receivewal with <c>--synchronous</c> (it flushes and
/// confirms every write, so it can be a synchronous standby) under any application_name, run as the lab's
/// OS user. What a spare standby or an archiver named like the slave looks like to the master.
/// </summary>
public sealed class LabReplicationClient : IAsyncDisposable
{
    private readonly Process _process;

    private LabReplicationClient(Process process) => _process = process;

    /// <summary>Starts pg_receivewal against <paramref name="pair"/>'s master as <paramref name="applicationName"/>,
    /// writing into a folder of the pair; <paramref name="osUser"/> is the lab's server user (used when root).</summary>
    public static LabReplicationClient Start(LabPair pair, string applicationName, string osUser = "pgxcbot-lab")
    {
        var dir = Path.Combine(pair.Folder, "receivewal-" + applicationName);
        Directory.CreateDirectory(dir);
        var binaries = PgBinaries.Discover();
        var conninfo = $"host={pair.Master.Address} port={pair.Master.Port} user=postgres application_name={applicationName}";
        var program = Path.Combine(binaries.BinDir, "pg_receivewal");
        var info = Environment.IsPrivilegedProcess
            ? new ProcessStartInfo("runuser", ["-u", osUser, "--", program, "-d", conninfo, "-D", dir, "--synchronous", "--no-loop"])
            : new ProcessStartInfo(program, ["-d", conninfo, "-D", dir, "--synchronous", "--no-loop"]);
        info.RedirectStandardError = true;
        info.RedirectStandardOutput = true;
        if (Environment.IsPrivilegedProcess)
        {
            using var chown = Process.Start("chown", [osUser + ":", dir])!;
            chown.WaitForExit();
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("pg_receivewal did not start");
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return new LabReplicationClient(process);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
