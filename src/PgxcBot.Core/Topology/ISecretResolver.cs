namespace PgxcBot.Core.Topology;

/// <summary>
/// Turns a <see cref="SecretReference"/> into the secret. The value is returned to the caller that needs
/// it and to nobody else: it must never reach a log line, an exception message or a chat message.
/// </summary>
public interface ISecretResolver
{
    /// <summary>Null when <paramref name="reference"/> is null. Throws <see cref="SecretUnavailableException"/>
    /// naming the variable or file (never the value) when the reference cannot be read.</summary>
    string? Resolve(SecretReference? reference);
}

public sealed class SecretUnavailableException(string message) : Exception(message);
