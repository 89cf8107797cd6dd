using System.Security.Cryptography;
using System.Text;

namespace PgxcBot.Tests;

/// <summary>SSH private keys for tests, made in-process (no ssh-keygen needed): PEM, plain or encrypted the
/// traditional OpenSSL way (Proc-Type: 4,ENCRYPTED; DEK-Info: AES-128-CBC), as <c>ssh-keygen -m PEM</c> writes them.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class TestKeys
{
    /// <summary>An unencrypted ECDSA P-256 key in PEM, mode 0600; returns <paramref name="path"/>.</summary>
    public static string WritePlain(string path, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(path, key.ExportECPrivateKeyPem() + "\n");
        File.SetUnixFileMode(path, mode);
        return path;
    }

    /// <summary>An RSA key encrypted with <paramref name="passphrase"/> (OpenSSL's EVP_BytesToKey with MD5,
    /// AES-128-CBC), mode 0600; returns <paramref name="path"/>.</summary>
    public static string WriteEncryptedRsa(string path, string passphrase)
    {
        using var rsa = RSA.Create(2048);
        var der = rsa.ExportRSAPrivateKey();
        var iv = RandomNumberGenerator.GetBytes(16);
        // EVP_BytesToKey(MD5, 1 round) for a 16-byte key: MD5(passphrase || first 8 bytes of the IV).
        var key = MD5.HashData([.. Encoding.UTF8.GetBytes(passphrase), .. iv.AsSpan(0, 8)]);
        using var aes = Aes.Create();
        aes.Key = key;
        var encrypted = aes.EncryptCbc(der, iv, PaddingMode.PKCS7);
        var body = Convert.ToBase64String(encrypted, Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "\n");
        File.WriteAllText(path,
            "-----BEGIN RSA PRIVATE KEY-----\n" +
            "Proc-Type: 4,ENCRYPTED\n" +
            $"DEK-Info: AES-128-CBC,{Convert.ToHexString(iv)}\n\n" +
            body + "\n-----END RSA PRIVATE KEY-----\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }
}
