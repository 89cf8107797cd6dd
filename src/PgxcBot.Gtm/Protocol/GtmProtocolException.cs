namespace PgxcBot.Gtm.Protocol;

/// <summary>The bytes from the GTM do not form the expected answer. Internal: the client turns it into a
/// <see cref="Core.Gtm.GtmCallStatus.ProtocolError"/> result.</summary>
internal sealed class GtmProtocolException(string message) : Exception(message);

/// <summary>The GTM answered a request with an error message ('E'). Internal: the client turns it into a
/// <see cref="Core.Gtm.GtmCallStatus.ServerError"/> result (or, for the startup, a protocol error).</summary>
internal sealed class GtmServerErrorException(string serverMessage) : Exception(serverMessage)
{
    /// <summary>The GTM's text, e.g. <c>ERROR: Failed to Unregister node</c>.</summary>
    public string ServerMessage { get; } = serverMessage;
}
