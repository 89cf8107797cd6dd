using System.Text.RegularExpressions;

namespace PgxcBot.Core.Servers;

/// <summary>
/// Quoting for the few statements PostgreSQL cannot parameterise (ALTER NODE, EXECUTE DIRECT). Values are
/// validated first and quoted second: a name that is not a plain node identifier, or a host that is not a
/// DNS name or IP address, is refused rather than escaped into something surprising.
/// </summary>
public static partial class SqlText
{
    /// <summary>Node names as Postgres-XC stores them in pgxc_node (lower case, no quoting needed).</summary>
    public static bool IsNodeName(string? name) => name is not null && NodeName().IsMatch(name);

    /// <summary>A DNS name, IPv4 or IPv6 address.</summary>
    public static bool IsHostAddress(string? host) =>
        host is not null && host.Length <= 253 && (HostName().IsMatch(host) || System.Net.IPAddress.TryParse(host, out _));

    public static string Identifier(string name)
    {
        if (!IsNodeName(name))
            throw new ArgumentException($"'{name}' is not a valid node name (lower-case letters, digits and _, starting with a letter or _, at most 63)", nameof(name));
        return "\"" + name + "\"";
    }

    public static string Literal(string value)
    {
        if (value.Contains('\0')) throw new ArgumentException("a SQL literal cannot contain NUL", nameof(value));
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    public static string HostLiteral(string host)
    {
        if (!IsHostAddress(host))
            throw new ArgumentException($"'{host}' is not a host name or IP address", nameof(host));
        return Literal(host);
    }

    public static string Port(int port)
    {
        if (port is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(port), port, "not a TCP port (1-65535)");
        return port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex NodeName();

    [GeneratedRegex(@"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex HostName();
}
