using PgxcBot.Core.Servers;

namespace PgxcBot.Core.Gtm;

/// <summary>
/// Where a GTM (or GTM proxy) listens: the <c>port</c> of its gtm.conf on <paramref name="Host"/>. The same
/// values a datanode's <c>gtm_host</c>/<c>gtm_port</c> hold.
/// </summary>
/// <param name="Host">DNS name or IP address (validated with <see cref="SqlText.IsHostAddress"/>).</param>
/// <param name="Port">TCP port, 1-65535.</param>
/// <exception cref="ArgumentException">The host is not a DNS name or IP address.</exception>
/// <exception cref="ArgumentOutOfRangeException">The port is outside 1-65535.</exception>
public sealed record GtmEndpoint(string Host, int Port)
{
    /// <summary>DNS name or IP address of the GTM.</summary>
    public string Host { get; } = SqlText.IsHostAddress(Host)
        ? Host
        : throw new ArgumentException($"GTM host '{Host}' is not a DNS name or IP address", nameof(Host));

    /// <summary>TCP port of the GTM.</summary>
    public int Port { get; } = Port is >= 1 and <= 65535
        ? Port
        : throw new ArgumentOutOfRangeException(nameof(Port), Port, "a GTM port must be 1-65535");

    /// <summary><c>host:port</c>, for messages.</summary>
    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
