using Microsoft.Extensions.Logging;

namespace PgxcBot.Lab.Pairs;

/// <summary>
/// The unprivileged OS user lab servers run as: PostgreSQL (and the Postgres-XC/XL GTM) refuse to run as
/// root, so a root process runs them as <c>pgxcbot-lab</c> (created when missing) through
/// <see cref="LabCommandRunner"/>; anyone else runs them as themselves.
/// </summary>
public static class LabOsUser
{
    /// <summary>
    /// Returns the runner for lab commands. As root: creates <paramref name="osUser"/> when missing (a system
    /// user without home or shell; concurrent callers may race, and "exists already" counts as success) and
    /// makes <paramref name="tempRoot"/> (created if needed) traversable by it. Otherwise: a runner that runs
    /// commands as the current user.
    /// </summary>
    /// <exception cref="LabCommandException">useradd failed.</exception>
    public static async Task<LabCommandRunner> PrepareAsync(string osUser, string tempRoot, ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var commandLogger = loggerFactory.CreateLogger<LabCommandRunner>();
        Directory.CreateDirectory(tempRoot);
        if (!Environment.IsPrivilegedProcess) return new LabCommandRunner(null, commandLogger);

        var root = new LabCommandRunner(null, commandLogger);
        var exists = await root.RunRawAsync("id", ["-u", osUser], tempRoot, true, cancellationToken).ConfigureAwait(false);
        if (exists.ExitCode != 0)
        {
            // Concurrent builders may race to create the user; exit code 9 means it exists now.
            var created = await root.RunRawAsync("useradd",
                ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", osUser],
                tempRoot, true, cancellationToken).ConfigureAwait(false);
            if (created.ExitCode is not (0 or 9))
                throw new LabCommandException(LabCommandRunner.Describe("useradd " + osUser, created));
            loggerFactory.CreateLogger(typeof(LabOsUser)).LogInformation(
                "Created the OS user {OsUser} that lab servers run as (PostgreSQL refuses root)", osUser);
        }
        // The servers' user must be able to reach its folders under the root.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tempRoot, (UnixFileMode)0b111_101_101);
        return new LabCommandRunner(osUser, commandLogger);
    }
}
