using PgxcBot.Ssh;

namespace PgxcBot.Tests.Ssh;

/// <summary>A key file whose bytes are not a key is a named problem, never an exception out of the loader, whichever
/// reader under SSH.NET rejects it (the ASN.1 reader's AsnContentException escaped once, in CI, for a PEM key decrypted
/// with a wrong passphrase into garbage that happened to end in valid padding).</summary>
public sealed class SshKeysTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-keys-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Garbage() =>
    [
        "MIIBAAAAAAAA",                 // a SEQUENCE claiming 256 bytes, holding zeros
        "MAMCAQA=",                     // a SEQUENCE holding one INTEGER 0: too short for an RSA key
        Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)(i * 37)).ToArray()),
    ];

    [Theory]
    [MemberData(nameof(Garbage))]
    public void A_pem_key_whose_content_is_not_a_key_is_a_key_file_problem(string base64)
    {
        var file = Path.Combine(_dir, "id_rsa");
        File.WriteAllText(file, $"-----BEGIN RSA PRIVATE KEY-----\n{base64}\n-----END RSA PRIVATE KEY-----\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var host = new Host("node01", "127.0.0.1", TransportKind.Ssh, 22, "postgres", null, file, null);

        var key = SshKeys.TryLoad(host, new NoSecrets(), out var problem);

        Assert.Null(key);
        Assert.Equal("keyFile", problem!.Field);
        Assert.Contains($"{file} is not a private key the bot can read", problem.Message);
    }

    private sealed class NoSecrets : ISecretResolver
    {
        public string? Resolve(SecretReference? reference) => null;
    }
}
