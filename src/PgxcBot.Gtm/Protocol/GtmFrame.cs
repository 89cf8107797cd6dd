namespace PgxcBot.Gtm.Protocol;

/// <summary>One message from the GTM: a type byte and its body (the length word already removed).</summary>
internal readonly record struct GtmFrame(byte Type, ReadOnlyMemory<byte> Body)
{
    /// <summary>The type as a character, for messages ('S', 'E', 'R', ...).</summary>
    public char TypeChar => (char)Type;
}
