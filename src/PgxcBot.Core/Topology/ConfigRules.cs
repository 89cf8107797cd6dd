using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace PgxcBot.Core.Topology;

/// <summary>
/// The shapes that names, addresses, paths and ids must have. They are strict because these values end up in
/// ALTER NODE statements, synchronous_standby_names, shell commands run over SSH and chat commands. Every
/// field of a kind is checked by the same rule (see <see cref="NameRule"/> and the field checks of the
/// validator), so a new field of a known kind gets the same protection.
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

    /// <summary>
    /// An environment variable name as POSIX defines the portable ones: upper-case letters, digits and _,
    /// not starting with a digit, at most 128 characters. Strict on purpose: a password or token typed where
    /// the variable's name belongs is almost never all upper-case, so it is refused here instead of being
    /// echoed later as "variable hunter2 is not set".
    /// </summary>
    [GeneratedRegex("^[A-Z_][A-Z0-9_]{0,127}$")]
    public static partial Regex EnvironmentVariable();

    /// <summary>A user or role id in approvals: a Discord snowflake or a console user name (the lab's alice).</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    public static partial Regex ChatId();

    [GeneratedRegex(@"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")]
    private static partial Regex DnsName();

    /// <summary>IPv4 written the usual way: four decimal numbers 0-255 without leading zeros (no octal, hex
    /// or short forms, which tools disagree on).</summary>
    [GeneratedRegex(@"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$")]
    private static partial Regex DottedQuad();

    /// <summary>IPv6 literal characters, with an optional zone made of interface-name characters.</summary>
    [GeneratedRegex(@"^[0-9A-Fa-f:.]{2,45}(%[A-Za-z0-9_.-]{1,15})?$")]
    private static partial Regex Ipv6Text();

    /// <summary>Absolute paths made of characters that need no quoting in a shell: no spaces, quotes,
    /// newlines, $, `, ;, |, &amp;, globbing, and no "..".</summary>
    [GeneratedRegex(@"^(/[A-Za-z0-9._+@%=,-]+)+/?$")]
    private static partial Regex SafeAbsolutePath();

    /// <summary>Longest path accepted (Linux PATH_MAX is 4096; nothing in a cluster layout comes close).</summary>
    public const int MaxPathLength = 1024;

    /// <summary>Why <paramref name="path"/> is not a safe absolute path, or null when it is.</summary>
    public static string? CheckPath(string path)
    {
        if (!path.StartsWith('/'))
            return $"\"{Show(path)}\" is not an absolute path; write the full path starting with / (~ and relative paths are not expanded).";
        if (path.Length > MaxPathLength)
            return $"is {path.Length} characters long; give a path of at most {MaxPathLength}.";
        if (!SafeAbsolutePath().IsMatch(path))
            return $"\"{Show(path)}\" contains characters that are unsafe in shell commands (spaces, quotes, newlines, $ ` ; | & * ? or similar); use letters, digits and . _ - + @ % = , only.";
        if (path.Split('/').Any(part => part is "." or ".."))
            return $"\"{Show(path)}\" contains . or .. segments; write the plain absolute path.";
        return null;
    }

    /// <summary>True for an IPv4/IPv6 literal or a syntactically valid DNS name.</summary>
    public static bool IsAddress(string address) => IsIpLiteral(address) || IsDnsName(address);

    /// <summary>A DNS name whose last label is not all digits (RFC 3696: "1.2.3" or "0x7f.0.0.1" would be
    /// read as an IPv4 address by some tools and as a name by others).</summary>
    public static bool IsDnsName(string address) =>
        DnsName().IsMatch(address) && !address.TrimEnd('.').Split('.')[^1].All(char.IsAsciiDigit);

    /// <summary>
    /// An IPv4 address as four decimal numbers, or an IPv6 address made of hex digits, colons and dots only
    /// (optionally %zone with interface-name characters). <see cref="IPAddress.TryParse(string, out IPAddress)"/>
    /// alone is too lenient: it takes "1" (0.0.0.1), "0x7f.1" and zones with any character, which then reach
    /// ssh and connection strings.
    /// </summary>
    public static bool IsIpLiteral(string address)
    {
        if (DottedQuad().IsMatch(address)) return true;
        return address.Contains(':') && Ipv6Text().IsMatch(address)
            && IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6;
    }

    /// <summary>
    /// Which machine an address names, for "is this the same server?" checks: DNS names compare without case
    /// and trailing dot, IP literals in canonical form, IPv4-mapped IPv6 as IPv4, and the loopback names
    /// (localhost, 127.0.0.1, ::1) as one machine. Two host entries with the same key reach the same
    /// filesystem and the same ports.
    /// </summary>
    public static string MachineKey(string address)
    {
        var text = address.Trim().TrimEnd('.').ToLowerInvariant();
        if (text is "localhost" or "localhost.localdomain") return "127.0.0.1";
        if (!IsIpLiteral(text) || !IPAddress.TryParse(text, out var ip)) return text;
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        if (ip.Equals(IPAddress.IPv6Loopback)) return "127.0.0.1";
        if (ip.AddressFamily == AddressFamily.InterNetworkV6) ip = new IPAddress(ip.GetAddressBytes()); // without the zone
        return ip.ToString();
    }

    /// <summary>A Discord snowflake: a positive 64-bit number written in decimal (up to 20 digits).</summary>
    public static bool IsSnowflake(string text) =>
        text.Length is > 0 and <= 20 && text[0] != '0' && text.All(char.IsAsciiDigit)
        && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    /// <summary>The value as it may be shown in a message: control characters made visible.</summary>
    public static string Show(string value)
    {
        if (!value.Any(c => Invisible(c) is not null)) return value;
        var builder = new System.Text.StringBuilder(value.Length + 8);
        foreach (var c in value) builder.Append(Invisible(c) ?? c.ToString());
        return builder.ToString();
    }

    /// <summary>How an invisible character is written in a message (\n, \t, U+200B ...), or null for a
    /// visible one. Control characters (C0, DEL, C1) and Unicode format characters (zero-width space,
    /// bidirectional overrides, BOM) and line/paragraph separators count as invisible.</summary>
    public static string? Invisible(char c) => c switch
    {
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        '\0' => "\\0",
        _ when char.IsControl(c) || c is '\u2028' or '\u2029'
               || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format => $"U+{(int)c:X4}",
        _ => null,
    };
}
