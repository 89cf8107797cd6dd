namespace PgxcBot.IntegrationTests.Support;

/// <summary>Resolves secret references from an in-memory map keyed by the reference's Env name.</summary>
public sealed class TestSecretResolver(IReadOnlyDictionary<string, string>? secrets = null) : ISecretResolver
{
    private readonly IReadOnlyDictionary<string, string> _secrets = secrets ?? new Dictionary<string, string>();

    public string? Resolve(SecretReference? reference)
    {
        if (reference is null) return null;
        if (reference.Env is { } name && _secrets.TryGetValue(name, out var value)) return value;
        throw new SecretUnavailableException($"test secret '{reference.Env ?? reference.File}' is not set");
    }
}
