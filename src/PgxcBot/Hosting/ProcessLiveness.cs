using System.Diagnostics;

namespace PgxcBot.Hosting;

/// <summary>Whether a process of this host still runs: how a restarted bot knows its predecessor is gone.</summary>
public static class ProcessLiveness
{
    /// <summary>True when process <paramref name="pid"/> exists and has not exited.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
