using System.Net;
using System.Text.RegularExpressions;

namespace PgxcBot.Core.Topology;

/// <summary>
/// The shapes that names, addresses and paths must have. They are strict because these values end up in
/// ALTER NODE statements, synchronous_standby_names and shell commands run over SSH.
/// </summary>
public static partial class ConfigRules
{
    /// <summary>Datanode, coordinator and application names: a lower-case SQL identifier that needs no quoting.</summary>
    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    public static partial Regex NodeName();

    /// <summary>Host labels in the config (they name hosts in messages, not on the network).</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")]
    public static partial Regex HostName();

    /// <summary>A POSIX user name, as useradd accepts it.</summary>
    [GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}$")]
    public static partial Regex OsUser();

    /// <summary>A PostgreSQL role name that needs no quoting in a connection string.</summary>
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    public static partial Regex DatabaseName();

    /// <summary>OpenSSH's fingerprint form: SHA256 followed by 32 bytes in unpadded base64.</summary>
    [GeneratedRegex("^SHA256:[A-Za-z0-9+/]{43}$")]
    public static partial Regex Fingerprint();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    public static partial Regex EnvironmentVariable();

    [GeneratedRegex(@"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")]
    private static partial Regex DnsName();

    /// <summary>Absolute paths made of characters that need no quoting in a shell: no spaces, quotes,
    /// newlines, $, `, ;, |, &amp;, globbing, and no "..".</summary>
    [GeneratedRegex(@"^(/[A-Za-z0-9._+@%=,-]+)+/?$")]
    private static partial Regex SafeAbsolutePath();

    /// <summary>Why <paramref name="path"/> is not a safe absolute path, or null when it is.</summary>
    public static string? CheckPath(string path)
    {
        if (!path.StartsWith('/'))
            return $"\"{Show(path)}\" is not an absolute path; write the full path starting with / (~ and relative paths are not expanded).";
        if (!SafeAbsolutePath().IsMatch(path))
            return $"\"{Show(path)}\" contains characters that are unsafe in shell commands (spaces, quotes, newlines, $ ` ; | & * ? or similar); use letters, digits and . _ - + @ % = , only.";
        if (path.Split('/').Any(part => part is "." or ".."))
            return $"\"{Show(path)}\" contains . or .. segments; write the plain absolute path.";
        return null;
    }

    /// <summary>True for an IPv4/IPv6 literal or a syntactically valid DNS name.</summary>
    public static bool IsAddress(string address) =>
        IPAddress.TryParse(address, out _) && (address.Contains(':') || address.Count(c => c == '.') == 3)
        || (!address.All(c => char.IsAsciiDigit(c) || c == '.') && DnsName().IsMatch(address));

    /// <summary>The value as it may be shown in a message: control characters made visible.</summary>
    public static string Show(string value) =>
        value.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
}
