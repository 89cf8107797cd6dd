namespace PgxcBot.Core.Gtm;

/// <summary>How one exchange with a GTM ended.</summary>
public enum GtmCallStatus
{
    /// <summary>The GTM answered as expected.</summary>
    Ok,
    /// <summary>No TCP connection: refused, no route, unknown host, or no answer to the connect within the
    /// connect timeout. Nothing reached the GTM.</summary>
    Unreachable,
    /// <summary>Connected, but the complete answer did not arrive before the request's deadline (a hung or
    /// overloaded GTM, or a host that stopped answering).</summary>
    Timeout,
    /// <summary>Connected, but what came back is not a GTM answer of the expected flavor: garbage, a layout
    /// that does not parse, a startup the GTM refused (often a flavor mismatch), or a connection closed
    /// before the answer.</summary>
    ProtocolError,
    /// <summary>The GTM understood the request and answered it with an error message.</summary>
    ServerError,
}
