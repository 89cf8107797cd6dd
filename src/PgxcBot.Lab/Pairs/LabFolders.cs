using Microsoft.Extensions.Logging;

namespace PgxcBot.Lab.Pairs;

internal static class LabFolders
{
    /// <summary>Removes a lab folder; logs instead of throwing, since it runs during cleanup.</summary>
    public static void DeleteQuietly(string folder, ILogger logger)
    {
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A server that just died may still be removing its files: try again shortly.
                if (attempt == 3) logger.LogWarning(e, "Could not delete the lab folder {Folder}", folder);
                else Thread.Sleep(100);
            }
        }
    }
}
