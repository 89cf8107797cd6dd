using System.Globalization;
using System.Runtime.InteropServices;

namespace PgxcBot.Lab.Pairs;

/// <summary>Signals and the process table (Linux /proc), for killing and freezing a whole server.</summary>
internal static class PosixProcesses
{
    // Linux signal numbers (the same on x86-64 and arm64).
    public const int SigUsr1 = 10;
    public const int SigKill = 9;
    public const int SigCont = 18;
    public const int SigStop = 19;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int NativeKill(int pid, int signal);

    /// <summary>Sends <paramref name="signal"/>; false when the process no longer exists.</summary>
    public static bool Signal(int pid, int signal) => NativeKill(pid, signal) == 0;

    /// <summary>True while the process exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        var stat = ReadStat(pid);
        return stat is not null && stat.Value.State != 'Z' && stat.Value.State != 'X';
    }

    /// <summary>True when the process exists only as a zombie nobody reaps (this machine's init does not).</summary>
    public static bool IsZombie(int pid) => ReadStat(pid) is { State: 'Z' };

    /// <summary>Live direct children of <paramref name="parentPid"/>.</summary>
    public static IReadOnlyList<int> ChildrenOf(int parentPid)
    {
        var children = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            var stat = ReadStat(pid);
            if (stat is { } s && s.ParentPid == parentPid && s.State != 'Z') children.Add(pid);
        }
        return children;
    }

    /// <summary>The process's working directory (a postgres or gtm process runs in its data directory);
    /// null when the process is gone or not ours to inspect.</summary>
    public static string? WorkingDirectory(int pid)
    {
        try { return new FileInfo($"/proc/{pid}/cwd").LinkTarget; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The process's command line as ps shows it (postgres children rename themselves, e.g.
    /// "postgres: pooler process"); empty when it is gone.</summary>
    public static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim(); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    /// <summary>Live processes whose working directory is <paramref name="folder"/> or below it: every
    /// server process of a lab folder, including children orphaned by a killed postmaster.</summary>
    public static IReadOnlyList<int> RunningIn(string folder)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (pid == Environment.ProcessId || !IsAlive(pid)) continue;
            var cwd = WorkingDirectory(pid);
            // A deleted working directory reads as "/path (deleted)".
            if (cwd is not null && (cwd == root || cwd.StartsWith(root + "/", StringComparison.Ordinal))) found.Add(pid);
        }
        return found;
    }

    /// <summary>Live processes whose command line contains <paramref name="text"/> (e.g. a data directory).</summary>
    public static IReadOnlyList<int> Naming(string text)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (pid != Environment.ProcessId && IsAlive(pid) && CommandLine(pid).Contains(text, StringComparison.Ordinal)) found.Add(pid);
        }
        return found;
    }

    /// <summary>
    /// True when <paramref name="pid"/> holds a listening TCP socket on <paramref name="port"/>: the port
    /// answering is not enough, another process may own it (gtm_ctl reports success for a GTM that died
    /// because its port was taken).
    /// </summary>
    public static bool ListensOn(int pid, int port)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            string[] lines;
            try { lines = File.ReadAllLines(table); }
            catch (IOException) { continue; }
            foreach (var line in lines.Skip(1))
            {
                // "sl local_address rem_address st ... inode": local is HEXADDR:HEXPORT, state 0A is LISTEN.
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 10 || fields[3] != "0A") continue;
                var local = fields[1];
                var colon = local.LastIndexOf(':');
                if (colon < 0 || !int.TryParse(local[(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var p) || p != port) continue;
                inodes.Add($"socket:[{fields[9]}]");
            }
        }
        if (inodes.Count == 0) return false;
        try
        {
            return Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd")
                .Any(fd => new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target));
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    private static (char State, int ParentPid)? ReadStat(int pid)
    {
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        // "pid (comm) S ppid ...": comm may contain spaces and parentheses, so parse after the last ')'.
        var close = text.LastIndexOf(')');
        if (close < 0) return null;
        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 2) return null;
        return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
    }
}
