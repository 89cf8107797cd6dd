using PgxcBot.Core.Topology;

namespace PgxcBot.Secrets;

/// <summary>
/// Reads secrets from an environment variable or a file. A file's trailing newline (as written by
/// <c>echo</c>) is removed. Errors name the variable or file, never the value.
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
                    $"environment variable {reference.Env} is not set or empty; export it in the bot's environment (e.g. the systemd unit's EnvironmentFile).");
            return value;
        }
        if (!string.IsNullOrWhiteSpace(reference.File))
            return ReadFile(reference.File);
        throw new SecretUnavailableException("secret reference names neither an environment variable nor a file; give {\"env\": ...} or {\"file\": ...}.");
    }

    private static string ReadFile(string path)
    {
        string text;
        try
        {
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
