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
