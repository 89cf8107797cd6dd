using PgxcBot.Core.Topology;
using PgxcBot.Secrets;
using PgxcBot.Ssh;

namespace PgxcBot.Cli;

/// <summary>A configuration file read from disk, parsed and validated.</summary>
public sealed record ConfigFile(string Path, string BaseDirectory, ConfigLoadResult Loaded, ConfigReport Report)
{
    /// <summary>A configuration is a few kB; anything this large is the wrong file.</summary>
    public const long MaxBytes = 1024 * 1024;

    /// <summary>Reads and validates <paramref name="path"/>. A file that cannot be read (missing, a
    /// directory, a FIFO or device, too large) becomes an error in the report, not an exception or a hang.
    /// With <paramref name="environment"/>, a valid configuration is also checked against this machine
    /// (<see cref="ConfigEnvironmentChecks"/>: secrets set, SSH keys usable, store location); those
    /// problems are errors too.</summary>
    /// <param name="environment">Reads environment variables (the bot's secrets); null: check the file only.</param>
    public static async Task<ConfigFile> LoadAsync(string path, CancellationToken cancellationToken, Func<string, string?>? environment = null)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        var baseDirectory = System.IO.Path.GetDirectoryName(fullPath) ?? Directory.GetCurrentDirectory();
        ConfigFile Failed(string reason) =>
            new(fullPath, baseDirectory, new ConfigLoadResult(new PgxcBotOptions(), []), ConfigReport.Failed(new ConfigIssue("", $"{fullPath} {reason}")));

        // Looked at before opening: opening a FIFO blocks until someone writes to it, a device never ends.
        var (kind, _) = LocalFiles.Inspect(fullPath);
        if (kind == LocalFileKind.Missing)
            return Failed("does not exist; give the path of the JSON configuration (see config/pgxcbot.example.json).");
        if (kind != LocalFileKind.Regular)
            return Failed($"is {LocalFiles.Describe(kind)}, not a regular file; give the path of the JSON configuration file (see config/pgxcbot.example.json).");
        string json;
        try
        {
            var length = new FileInfo(fullPath).Length;
            if (length > MaxBytes)
                return Failed($"is {length / 1024 / 1024} MiB; a configuration is a few kB: is this the right file?");
            json = await File.ReadAllTextAsync(fullPath, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e is FileNotFoundException or DirectoryNotFoundException
                ? Failed("does not exist; give the path of the JSON configuration (see config/pgxcbot.example.json).")
                : Failed($"cannot be read: {(e is UnauthorizedAccessException ? "permission denied for this user (run as the bot's user, or fix the file's owner and mode)" : e.Message)}.");
        }
        var loaded = ConfigLoader.Parse(json);
        var report = ConfigValidator.Validate(loaded, baseDirectory);
        if (environment is not null && report.Topology is { } topology
            && ConfigEnvironmentChecks.Run(loaded.Options, topology, new SecretResolver(environment)) is { Count: > 0 } problems)
            report = report with { Errors = problems, Topology = null };
        return new ConfigFile(fullPath, baseDirectory, loaded, report);
    }

    /// <summary>Writes every error, then every warning, one per line with its path.</summary>
    public void WriteIssues(TextWriter writer)
    {
        foreach (var error in Report.Errors) writer.WriteLine($"error: {error}");
        foreach (var warning in Report.Warnings) writer.WriteLine($"warning: {warning}");
    }
}
