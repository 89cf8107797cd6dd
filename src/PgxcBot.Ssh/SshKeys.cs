using System.Formats.Asn1;
using System.Security.Cryptography;
using PgxcBot.Core.Topology;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace PgxcBot.Ssh;

/// <summary>Why a host's SSH key cannot be used: the config field to fix and what to do.</summary>
/// <param name="Field">"keyFile" or "keyPassphrase" (of hosts[name=...]).</param>
public sealed record SshKeyProblem(string Field, string Message);

/// <summary>
/// Loads a host's private key the way OpenSSH would accept it, with errors an operator can act on: a key
/// file that is missing, not a regular file, or readable by group or others (OpenSSH refuses those with
/// "UNPROTECTED PRIVATE KEY FILE"; so does the bot: chmod 600), an encrypted key without a passphrase, a
/// passphrase that does not decrypt it (SSH.NET says "Padding is invalid and cannot be removed"), or a
/// file that is no private key. Messages name the key file and the passphrase reference, never the
/// passphrase. Used at start (configuration checks) and at every connect.
/// </summary>
public static class SshKeys
{
    public static PrivateKeyFile? TryLoad(Host host, ISecretResolver secrets, out SshKeyProblem? problem)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(secrets);
        problem = null;
        var file = host.KeyFile;
        if (string.IsNullOrEmpty(file))
        {
            problem = new("keyFile", "no keyFile is configured for SSH; set it to a private key the host accepts, e.g. \"/etc/pgxcbot/id_ed25519\".");
            return null;
        }
        if (LocalFiles.NotARegularFile(file, "the SSH key") is { } notFile)
        {
            problem = new("keyFile", notFile + " Create it with: ssh-keygen -t ed25519 -f " + file + " (then add the .pub to the host's authorized_keys).");
            return null;
        }
        if (LocalFiles.Inspect(file).Mode is { } mode && (mode & LocalFiles.GroupOrOther) != 0)
        {
            problem = new("keyFile", $"the SSH key {file} has mode {LocalFiles.Octal(mode)}: group or others may read it. OpenSSH refuses such a key and so does the bot. " +
                $"Fix it with: chmod 600 {file} (owned by the bot's user).");
            return null;
        }

        string? passphrase;
        var reference = Describe(host.KeyPassphrase);
        try
        {
            passphrase = secrets.Resolve(host.KeyPassphrase);
        }
        catch (SecretUnavailableException e)
        {
            problem = new("keyPassphrase", $"cannot read the passphrase of the SSH key {file}: {e.Message}");
            return null;
        }

        try
        {
            return passphrase is null ? new PrivateKeyFile(file) : new PrivateKeyFile(file, passphrase);
        }
        catch (SshPassPhraseNullOrEmptyException)
        {
            problem = new("keyPassphrase", $"the SSH key {file} is encrypted and no passphrase is configured; give it by reference in keyPassphrase, " +
                "e.g. {\"env\": \"PGXCBOT_SSH_KEY_PASSPHRASE\"}, or use a key without a passphrase readable only by the bot.");
        }
        catch (Exception e) when (passphrase is not null && Unparsable(e))
        {
            // A wrong passphrase decrypts to garbage: SSH.NET then reports bad padding or a bad key format, or, when the
            // garbage happens to end in valid padding, the ASN.1 reader rejects it (AsnContentException, seen in CI).
            problem = new("keyPassphrase", $"the passphrase from {reference} does not decrypt the SSH key {file} (or the file is damaged). " +
                $"Check that {reference} holds this key's passphrase (test with: ssh-keygen -y -f {file}).");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = new("keyFile", $"cannot read the SSH key {file}: {(e is UnauthorizedAccessException ? "permission denied for the bot's user; chown it to that user and chmod 600" : e.Message)}.");
        }
        catch (Exception e) when (Unparsable(e))
        {
            problem = new("keyFile", $"{file} is not a private key the bot can read (OpenSSH or PEM format; Ed25519, ECDSA or RSA): {e.Message}");
        }
        return null;
    }

    /// <summary>Every way SSH.NET and the .NET readers under it fail on bytes that are not a readable key.</summary>
    private static bool Unparsable(Exception e) =>
        e is CryptographicException or SshException or ArgumentException or FormatException or InvalidOperationException or AsnContentException;

    /// <summary>"environment variable X" / "file /path" / "no passphrase": the reference, never the value.</summary>
    public static string Describe(SecretReference? reference) => reference switch
    {
        { Env: { Length: > 0 } env } => $"environment variable {env}",
        { File: { Length: > 0 } path } => $"file {path}",
        _ => "no passphrase",
    };
}
