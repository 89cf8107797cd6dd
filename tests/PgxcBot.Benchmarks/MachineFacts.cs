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
