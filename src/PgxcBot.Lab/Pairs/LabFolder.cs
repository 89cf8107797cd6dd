using Microsoft.Extensions.Logging.Abstractions;

namespace PgxcBot.Lab.Pairs;

/// <summary>A kept lab on disk: what <c>pgxcbot lab down</c> stops and removes.</summary>
public static class LabFolder
{
    /// <summary>
    /// Stops every server whose data directory lies under <paramref name="root"/> (immediate: the lab holds
    /// nothing worth a checkpoint) and deletes the folder. Returns how many servers were running.
    /// </summary>
    public static async Task<int> TearDownAsync(string root, PgBinaries binaries, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(root)) return 0;
        var runner = new LabCommandRunner(Environment.UserName == "root" ? new LabPairOptions().OsUser : null, NullLogger.Instance);
        var stopped = 0;
        foreach (var pid in Directory.EnumerateFiles(root, "postmaster.pid", SearchOption.AllDirectories))
        {
            var dataDir = Path.GetDirectoryName(pid)!;
            var result = await runner.RunAsync(binaries.PgCtl, ["stop", "-m", "immediate", "-w", "-D", dataDir], root, cancellationToken, allowFailure: true)
                .ConfigureAwait(false);
            if (result.ExitCode == 0) stopped++;
        }
        LabFolders.DeleteQuietly(root, NullLogger.Instance);
        return stopped;
    }
}
