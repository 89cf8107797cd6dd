using System.Diagnostics;
using System.Globalization;

namespace PgxcBot.Lab.Pairs;

/// <summary>Where the PostgreSQL server programs (initdb, pg_ctl, pg_basebackup, postgres) live.</summary>
public sealed record PgBinaries(string BinDir)
{
    /// <summary>Environment variable that overrides discovery with a bin directory.</summary>
    public const string EnvironmentVariable = "PGXCBOT_PG_BIN";

    public string InitDb => Path.Combine(BinDir, "initdb");
    public string PgCtl => Path.Combine(BinDir, "pg_ctl");
    public string PgBaseBackup => Path.Combine(BinDir, "pg_basebackup");

    /// <summary>
    /// Finds the server programs: <c>$PGXCBOT_PG_BIN</c> when set, else the newest
    /// <c>/usr/lib/postgresql/N/bin</c> (Debian layout), else <c>pg_config --bindir</c>.
    /// Throws <see cref="PgBinariesNotFoundException"/> saying how to install them.
    /// </summary>
    public static PgBinaries Discover()
    {
        var fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            if (!HasInitDb(fromEnv))
                throw new PgBinariesNotFoundException(
                    $"{EnvironmentVariable} is '{fromEnv}', but there is no initdb in it. " +
                    "Point it at a PostgreSQL bin directory (e.g. /usr/lib/postgresql/15/bin) or unset it.");
            return new PgBinaries(fromEnv);
        }

        var debian = FindNewestDebianBinDir("/usr/lib/postgresql");
        if (debian is not null) return new PgBinaries(debian);

        var fromPgConfig = AskPgConfig();
        if (fromPgConfig is not null && HasInitDb(fromPgConfig)) return new PgBinaries(fromPgConfig);

        throw new PgBinariesNotFoundException(
            "PostgreSQL server programs (initdb, pg_ctl) were not found: not in $" + EnvironmentVariable +
            ", not under /usr/lib/postgresql/*/bin, and pg_config gave none. " +
            "Install them with `apt-get install postgresql` (Debian/Ubuntu), or set " + EnvironmentVariable +
            " to the bin directory of an installed PostgreSQL.");
    }

    private static bool HasInitDb(string dir) => File.Exists(Path.Combine(dir, "initdb"));

    private static string? FindNewestDebianBinDir(string root)
    {
        if (!Directory.Exists(root)) return null;
        return Directory.EnumerateDirectories(root)
            .Select(dir => (dir, version: ParseVersion(Path.GetFileName(dir))))
            .Where(x => x.version is not null && HasInitDb(Path.Combine(x.dir, "bin")))
            .OrderByDescending(x => x.version)
            .Select(x => Path.Combine(x.dir, "bin"))
            .FirstOrDefault();
    }

    private static Version? ParseVersion(string name) =>
        int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            ? new Version(major, 0)
            : Version.TryParse(name, out var v) ? v : null;

    private static string? AskPgConfig()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEnd().Trim();
            // pg_config answers at once; the bound only protects against a broken installation.
            if (!process.WaitForExit(TimeSpan.FromSeconds(10))) { process.Kill(); return null; }
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // pg_config is not installed
        }
    }
}

/// <summary>No PostgreSQL server programs on this machine; the message says how to install them.</summary>
public sealed class PgBinariesNotFoundException(string message) : Exception(message);
