using PgxcBot.Core.Topology;

namespace PgxcBot.Cli;

/// <summary>A configuration file read from disk, parsed and validated.</summary>
public sealed record ConfigFile(string Path, string BaseDirectory, ConfigLoadResult Loaded, ConfigReport Report)
{
    /// <summary>Reads and validates <paramref name="path"/>. A file that cannot be read becomes an error
    /// in the report, not an exception.</summary>
    public static async Task<ConfigFile> LoadAsync(string path, CancellationToken cancellationToken)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        var baseDirectory = System.IO.Path.GetDirectoryName(fullPath) ?? Directory.GetCurrentDirectory();
        string json;
        try
        {
            json = await File.ReadAllTextAsync(fullPath, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var empty = new ConfigLoadResult(new PgxcBotOptions(), []);
            var reason = e is FileNotFoundException or DirectoryNotFoundException
                ? "does not exist; give the path of the JSON configuration (see config/pgxcbot.example.json)"
                : $"cannot be read: {e.Message}";
            return new ConfigFile(fullPath, baseDirectory, empty, ConfigReport.Failed(new ConfigIssue("", $"{fullPath} {reason}.")));
        }
        var loaded = ConfigLoader.Parse(json);
        return new ConfigFile(fullPath, baseDirectory, loaded, ConfigValidator.Validate(loaded, baseDirectory));
    }

    /// <summary>Writes every error, then every warning, one per line with its path.</summary>
    public void WriteIssues(TextWriter writer)
    {
        foreach (var error in Report.Errors) writer.WriteLine($"error: {error}");
        foreach (var warning in Report.Warnings) writer.WriteLine($"warning: {warning}");
    }
}
