namespace PgxcBot.Gtm;

/// <summary>Settings of the GTM adapter. Tests and the host replace the registered instance.</summary>
public sealed record GtmClientOptions
{
    /// <summary>
    /// Bound for the TCP connect alone (also bounded by each call's own deadline). A GTM host that is down
    /// answers nothing; this keeps such a call from using its whole deadline on the connect. Default 3 s.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The name the bot gives itself in the startup packet (the GTM keeps it for the connection only and
    /// registers nothing under it). 1-63 printable ASCII characters. Default <c>pgxcbot</c>.
    /// </summary>
    public string ClientName { get; init; } = "pgxcbot";
}
