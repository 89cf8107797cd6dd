using PgxcBot.Core.Topology;
using PgxcBot.Ssh;

namespace PgxcBot.Secrets;

/// <summary>
/// Reads secrets from an environment variable or a file. A file's trailing newline (as written by
/// <c>echo</c>) is removed. Errors name the variable or file, never the value. A secret file must be a
/// regular file of at most 64 kB: a FIFO would block every probe that reads it.
/// </summary>
public sealed class SecretResolver : ISecretResolver
{
    private readonly Func<string, string?> readEnvironment;

    public SecretResolver() : this(Environment.GetEnvironmentVariable) { }

    /// <summary>For tests: the environment is read through <paramref name="readEnvironment"/>.</summary>
    public SecretResolver(Func<string, string?> readEnvironment) => this.readEnvironment = readEnvironment;

    /// <inheritdoc />
    public string? Resolve(SecretReference? reference)
    {
        if (reference is null) return null;
        if (!string.IsNullOrWhiteSpace(reference.Env))
        {
            var value = readEnvironment(reference.Env);
            if (string.IsNullOrEmpty(value))
                throw new SecretUnavailableException(
                    $"environment variable {reference.Env} is unset (or empty); set it in the bot's environment (the systemd unit's EnvironmentFile=/etc/pgxcbot/pgxcbot.env, docker --env-file) and start the bot again.");
            return value;
        }
        if (!string.IsNullOrWhiteSpace(reference.File))
            return ReadFile(reference.File);
        throw new SecretUnavailableException("secret reference names neither an environment variable nor a file; give {\"env\": ...} or {\"file\": ...}.");
    }

    private const long MaxFileBytes = 64 * 1024;

    private static string ReadFile(string path)
    {
        if (LocalFiles.NotARegularFile(path, "secret file") is { } notFile) throw new SecretUnavailableException(notFile);
        string text;
        try
        {
            if (new FileInfo(path).Length > MaxFileBytes)
                throw new SecretUnavailableException($"secret file {path} is larger than 64 kB: it is not a password or token file.");
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            throw new SecretUnavailableException($"secret file {path} does not exist.");
        }
        catch (DirectoryNotFoundException)
        {
            throw new SecretUnavailableException($"secret file {path} does not exist (its directory is missing).");
        }
        catch (UnauthorizedAccessException)
        {
            throw new SecretUnavailableException($"secret file {path} is not readable by the bot's user; fix its owner or mode (e.g. chown pgxcbot; chmod 600).");
        }
        catch (IOException e)
        {
            // The exception text is about the file, not its contents, so it is safe to keep.
            throw new SecretUnavailableException($"secret file {path} cannot be read: {e.Message}");
        }
        var value = text.TrimEnd('\r', '\n');
        if (value.Length == 0)
            throw new SecretUnavailableException($"secret file {path} is empty.");
        return value;
    }
}
