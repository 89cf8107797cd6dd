using System.Text;
using NSec.Cryptography;

namespace PgxcBot.Discord.Http;

/// <summary>
/// Checks Discord's Ed25519 signature of an HTTP interaction: <c>X-Signature-Ed25519</c> over
/// UTF-8(<c>X-Signature-Timestamp</c>) followed by the raw body bytes, with the application's public key.
/// </summary>
public sealed class SignatureVerifier
{
    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;
    private readonly PublicKey _key;

    /// <param name="publicKeyHex">The Public Key from the Developer Portal: 64 hex digits.</param>
    /// <exception cref="FormatException">Not 32 bytes of hex.</exception>
    public SignatureVerifier(string publicKeyHex)
    {
        var bytes = Convert.FromHexString(publicKeyHex.Trim());
        if (bytes.Length != Ed25519.PublicKeySize) throw new FormatException($"the public key must be {Ed25519.PublicKeySize} bytes (64 hex digits), not {bytes.Length}.");
        _key = PublicKey.Import(Ed25519, bytes, KeyBlobFormat.RawPublicKey);
    }

    /// <summary>False for a missing, malformed or wrong signature.</summary>
    public bool Verify(string? timestamp, ReadOnlySpan<byte> body, string? signatureHex)
    {
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatureHex) || signatureHex.Length != Ed25519.SignatureSize * 2) return false;
        byte[] signature;
        try { signature = Convert.FromHexString(signatureHex); }
        catch (FormatException) { return false; }
        var prefix = Encoding.UTF8.GetBytes(timestamp);
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return Ed25519.Verify(_key, message, signature);
    }
}
