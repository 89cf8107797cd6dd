using System.Runtime.InteropServices;

namespace PgxcBot.Benchmarks;

/// <summary>What the numbers depend on, printed under the table.</summary>
internal static class MachineFacts
{
    public static string Describe(string? postgresVersion)
    {
        var cpu = CpuModel();
        return string.Join("; ",
            $"{Environment.ProcessorCount} CPUs{(cpu is null ? "" : $" ({cpu})")}",
            $"{RuntimeInformation.OSDescription.Trim()} {RuntimeInformation.OSArchitecture}",
            $".NET {Environment.Version}",
            $"PostgreSQL {postgresVersion ?? "unknown"}");
    }

    /// <summary>Peak resident set of this process (Linux VmHWM), in MiB.</summary>
    public static double PeakWorkingSetMiB()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        self.Refresh();
        return self.PeakWorkingSet64 / (1024.0 * 1024.0);
    }

    /// <summary>The machine's load average over 1, 5 and 15 minutes (/proc/loadavg), e.g. "2.90 / 1.62 / 2.02";
    /// "unknown" where it cannot be read. Figures taken on a shared machine are read beside it.</summary>
    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ', 4);
            return $"{parts[0]} / {parts[1]} / {parts[2]}";
        }
        catch (IOException) { return "unknown"; }
        catch (UnauthorizedAccessException) { return "unknown"; }
    }

    private static string? CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo")
                .FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?
                .Split(':', 2)[1].Trim();
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
