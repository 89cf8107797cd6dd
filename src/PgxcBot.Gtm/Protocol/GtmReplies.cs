using PgxcBot.Core.Gtm;

namespace PgxcBot.Gtm.Protocol;

/// <summary>
/// Decodes the GTM's answers. Success answers ('S') start with the result number as a big-endian int32
/// (fe-protocol.c, gtmpqParseSuccess); errors ('E') are PostgreSQL-style fields, a code byte and a
/// NUL-terminated string each, ended by a zero byte (elog.c, send_message_to_frontend: S severity,
/// M message, D detail, H hint). Anything else throws <see cref="GtmProtocolException"/>.
/// </summary>
internal static class GtmReplies
{
    /// <summary>'R': the startup was accepted.</summary>
    public const byte Auth = (byte)'R';
    /// <summary>'S': a request succeeded.</summary>
    public const byte Success = (byte)'S';
    /// <summary>'E': an error (the connection ends after a FATAL one).</summary>
    public const byte Error = (byte)'E';
    /// <summary>'N': a notice; the GTM sends none to clients today (elog.c sends only ERROR and worse), skipped.</summary>
    public const byte Notice = (byte)'N';

    /// <summary>Longest string accepted inside a node entry: the GTM itself keeps names, hosts and folders in
    /// NI_MAXHOST (1025) byte buffers (register_gtm.c, ProcessPGXCNodeRegister).</summary>
    private const int MaxString = 1025;

    /// <summary>Most sessions an XL node entry may carry before we call the entry garbage.</summary>
    private const int MaxSessions = 1_000_000;

    /// <summary>
    /// Checks the answer to the startup: 'R' with an empty body on XC, with the 4-byte client id on XL
    /// (main.c, GTM_ThreadMain). An 'E' means the GTM refused the packet, usually because the flavor is wrong.
    /// </summary>
    public static void CheckStartup(GtmProtocol protocol, GtmFrame frame)
    {
        if (frame.Type == Error)
        {
            var text = ErrorText(frame.Body);
            var hint = text.Contains("invalid message format", StringComparison.Ordinal)
                    || text.Contains("insufficient data left in message", StringComparison.Ordinal)
                ? $" This is how a GTM answers a startup packet of the other flavor: check that the cluster's flavor ({protocol.Name}) matches the GTM's build."
                : "";
            throw new GtmProtocolException($"the GTM refused the {protocol.Name} startup packet: {text}.{hint}");
        }
        if (frame.Type != Auth)
            throw new GtmProtocolException($"expected the GTM's startup answer 'R', got '{Printable(frame.Type)}': is this a GTM?");
        if (frame.Body.Length != protocol.StartupReplyLength)
            throw new GtmProtocolException(
                $"the startup answer has {frame.Body.Length} byte(s), a {protocol.Name} GTM sends {protocol.StartupReplyLength}" +
                (frame.Body.Length == protocol.Other.StartupReplyLength ? $" (a {protocol.Other.Name} GTM sends {frame.Body.Length}: check the cluster's flavor)" : ""));
    }

    /// <summary>The GTM's error text, e.g. <c>ERROR: Failed to Unregister node</c>, with detail and hint.</summary>
    public static string ErrorText(ReadOnlyMemory<byte> body)
    {
        var reader = new GtmReader(body, "error message");
        string? severity = null, message = null, detail = null, hint = null;
        try
        {
            while (reader.Remaining > 0)
            {
                var code = reader.Byte();
                if (code == 0) break;
                var value = reader.CString();
                switch ((char)code)
                {
                    case 'S': severity = value; break;
                    case 'M': message = value; break;
                    case 'D': detail = value; break;
                    case 'H': hint = value; break;
                }
            }
        }
        catch (GtmProtocolException)
        {
            // A torn error message still says more than nothing: keep the fields read so far.
        }
        var text = $"{severity ?? "ERROR"}: {message ?? "(no message)"}";
        if (detail is not null) text += $" ({detail})";
        if (hint is not null) text += $" Hint: {hint}";
        return text;
    }

    /// <summary>TXN_GET_NEXT_GXID_RESULT: the next gxid as a big-endian uint32 (gtm_txn.c,
    /// ProcessGetNextGXIDTransactionCommand; fe-protocol.c reads it with gtmpqGetInt).</summary>
    public static uint NextGxid(GtmProtocol protocol, GtmFrame frame)
    {
        var reader = SuccessOf(protocol, frame, protocol.ResultTxnGetNextGxid, "next-gxid answer");
        var gxid = (uint)reader.Int32BigEndian();
        reader.End();
        return gxid;
    }

    /// <summary>
    /// NODE_LIST_RESULT (register_gtm.c, ProcessPGXCNodeList): the node count as a big-endian int32, then for
    /// each node its serialised size (big-endian int32) and the entry (gtm_serialize.c,
    /// gtm_serialize_pgxcnodeinfo, all native order): type int32; name, proxy name (uint32 length + bytes);
    /// port uint32; address, data folder (length + bytes); status int32; on XL also excluded (1 byte),
    /// reported xmin (uint32), its time (int64), max and current session counts (uint32) and 8 bytes per
    /// session. Each entry must use exactly its announced size.
    /// </summary>
    public static IReadOnlyList<GtmNodeRegistration> NodeList(GtmProtocol protocol, GtmFrame frame)
    {
        var reader = SuccessOf(protocol, frame, protocol.ResultNodeList, "node list");
        var count = reader.Int32BigEndian();
        // MAX_NODES (register.h) is 1024: the GTM never lists more.
        if (count is < 0 or > 1024) throw new GtmProtocolException($"node list: node count {count} outside 0-1024");
        var nodes = new List<GtmNodeRegistration>(count);
        for (var i = 0; i < count; i++)
        {
            var size = reader.Int32BigEndian();
            if (size < 0 || size > reader.Remaining)
                throw new GtmProtocolException($"node list: entry {i + 1} announces {size} byte(s), {reader.Remaining} left");
            nodes.Add(NodeEntry(protocol, reader.Bytes(size).ToArray(), i + 1));
        }
        reader.End();
        return nodes;
    }

    /// <summary>NODE_UNREGISTER_RESULT (register_gtm.c, ProcessPGXCNodeUnregister): the node type (native
    /// int32), the name length (big-endian int32) and the name, echoing the request.</summary>
    public static (GtmNodeType Type, string Name) Unregistered(GtmProtocol protocol, GtmFrame frame)
    {
        var reader = SuccessOf(protocol, frame, protocol.ResultNodeUnregister, "unregister answer");
        var type = (GtmNodeType)reader.Int32Native();
        var name = reader.String(reader.Int32BigEndian(), MaxString);
        reader.End();
        return (type, name);
    }

    private static GtmNodeRegistration NodeEntry(GtmProtocol protocol, byte[] entry, int index)
    {
        var reader = new GtmReader(entry, $"node list entry {index}");
        var type = (GtmNodeType)reader.Int32Native();
        var name = reader.String(reader.Int32Native(), MaxString);
        var proxy = reader.String(reader.Int32Native(), MaxString);
        var port = reader.UInt32Native();
        var host = reader.String(reader.Int32Native(), MaxString);
        var folder = reader.String(reader.Int32Native(), MaxString);
        var status = (GtmNodeStatus)reader.Int32Native();
        if (protocol.NodeInfoHasXlTail)
        {
            reader.Byte();        // excluded from the global xmin
            reader.UInt32Native(); // reported xmin
            reader.Int64Native();  // when it was reported
            reader.UInt32Native(); // max sessions (allocated)
            var sessions = reader.Int32Native();
            if (sessions is < 0 or > MaxSessions)
                throw new GtmProtocolException($"node list entry {index}: session count {sessions} outside 0-{MaxSessions}");
            reader.Bytes(sessions * 8);
        }
        if (reader.Remaining != 0)
            throw new GtmProtocolException(
                $"node list entry {index} ({name}): {reader.Remaining} byte(s) left over after the {protocol.Name} layout" +
                (protocol.NodeInfoHasXlTail ? "" : $"; a {protocol.Other.Name} GTM adds fields there: check the cluster's flavor"));
        if (port > 65535) throw new GtmProtocolException($"node list entry {index} ({name}): port {port} is not a TCP port");
        return new GtmNodeRegistration(type, name, host, (int)port, folder, proxy, status);
    }

    private static GtmReader SuccessOf(GtmProtocol protocol, GtmFrame frame, int expectedResult, string what)
    {
        if (frame.Type == Error) throw new GtmServerErrorException(ErrorText(frame.Body));
        if (frame.Type != Success)
            throw new GtmProtocolException($"{what}: expected 'S', got '{Printable(frame.Type)}'");
        var reader = new GtmReader(frame.Body, what);
        var result = reader.Int32BigEndian();
        if (result != expectedResult)
            throw new GtmProtocolException(
                $"{what}: result type {result}, a {protocol.Name} GTM answers {expectedResult}: check the cluster's flavor");
        return reader;
    }

    private static string Printable(byte b) => b is >= 0x20 and < 0x7f ? ((char)b).ToString() : $"0x{b:x2}";
}
