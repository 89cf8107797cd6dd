using System.Buffers.Binary;
using System.Text;
using PgxcBot.Core.Gtm;

namespace PgxcBot.Gtm.Protocol;

/// <summary>
/// The messages the bot sends, framed like the GTM client library frames them (fe-misc.c gtmpqPutMsgStart /
/// gtmpqPutMsgEnd): one type byte, then a big-endian int32 length that counts itself and the body, then the
/// body. The GTM reads frames with pq_getmessage (main.c, ReadCommand) and accepts only 'A' first, then 'C',
/// 'F' and 'X'.
/// </summary>
internal static class GtmMessages
{
    /// <summary>Startup ('A'), the first message of every connection (fe-connect.c, CONNECTION_MADE).</summary>
    public const byte Startup = (byte)'A';
    /// <summary>A command ('C'): an int32 message number followed by its arguments.</summary>
    public const byte Command = (byte)'C';
    /// <summary>Terminate ('X'): the polite goodbye before closing (fe-connect.c, closeGTM_Conn).</summary>
    public const byte Terminate = (byte)'X';

    /// <summary>SP_NODE_NAME (gtm_c.h): the startup packet's fixed name field, NUL-padded.</summary>
    public const int NodeNameField = 64;

    /// <summary>
    /// The remote type the bot announces: GTM_NODE_COORDINATOR (3), as pgxc_ctl and gtm_ctl do for their
    /// unregister connections (pgxc_ctl gtm_util.c and gtm_ctl.c, connectGTM). A GTM proxy type would make the
    /// GTM expect proxy headers in every message (main.c, ProcessCommand).
    /// </summary>
    public const int RemoteTypeCoordinator = 3;

    /// <summary>
    /// The startup frame: <c>GTM_StartupPacket</c> as raw bytes (gtm_c.h; the server memcpy's it, main.c
    /// GTM_ThreadMain): the client name NUL-padded to 64 bytes, the remote type as a native int32, the
    /// is-postmaster bool (false: closing this connection never marks a node disconnected, register_common.c
    /// Recovery_PGXCNodeDisconnect) and 3 bytes of struct padding; XL adds a native uint32 client id (0: let
    /// the GTM assign one). The GTM insists on the exact size: XC answers a 76-byte packet with
    /// "FATAL: invalid message format", XL a 72-byte one with "FATAL: insufficient data left in message".
    /// </summary>
    /// <exception cref="ArgumentException">The client name is empty, not ASCII, or longer than 63 bytes.</exception>
    public static byte[] StartupFrame(GtmProtocol protocol, string clientName)
    {
        var name = Encoding.ASCII.GetBytes(clientName);
        if (name.Length is 0 or >= NodeNameField || clientName.Any(c => c is < ' ' or > '~'))
            throw new ArgumentException($"GTM client name '{clientName}' must be 1-63 printable ASCII characters", nameof(clientName));
        var packet = new byte[protocol.StartupPacketLength];
        name.CopyTo(packet, 0);
        BinaryPrimitives.WriteInt32LittleEndian(packet.AsSpan(NodeNameField), RemoteTypeCoordinator);
        packet[NodeNameField + 4] = 0; // sp_ispostmaster = false; bytes 69-71 are padding, zero
        // XL's sp_client_id (offset 72) stays 0.
        return Frame(Startup, packet);
    }

    /// <summary>A command without arguments (node list, next gxid).</summary>
    public static byte[] CommandFrame(int messageType) => CommandFrame(messageType, []);

    /// <summary>A command: the message number as a big-endian int32 (gtmpqPutInt), then the arguments.</summary>
    public static byte[] CommandFrame(int messageType, ReadOnlySpan<byte> arguments)
    {
        var body = new byte[4 + arguments.Length];
        BinaryPrimitives.WriteInt32BigEndian(body, messageType);
        arguments.CopyTo(body.AsSpan(4));
        return Frame(Command, body);
    }

    /// <summary>
    /// MSG_NODE_UNREGISTER's arguments (gtm_client.c, node_unregister; read back by register_gtm.c,
    /// ProcessPGXCNodeUnregister, the same in both flavors): the node type as raw native int32, the name
    /// length as big-endian int32, the name bytes.
    /// </summary>
    public static byte[] UnregisterArguments(GtmNodeType type, string nodeName)
    {
        var name = Encoding.UTF8.GetBytes(nodeName);
        var args = new byte[8 + name.Length];
        BinaryPrimitives.WriteInt32LittleEndian(args, (int)type);
        BinaryPrimitives.WriteInt32BigEndian(args.AsSpan(4), name.Length);
        name.CopyTo(args, 8);
        return args;
    }

    /// <summary>The terminate frame: 'X' with an empty body.</summary>
    public static byte[] TerminateFrame() => Frame(Terminate, []);

    /// <summary>Type byte, big-endian length counting itself and the body, body.</summary>
    public static byte[] Frame(byte type, ReadOnlySpan<byte> body)
    {
        var frame = new byte[5 + body.Length];
        frame[0] = type;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), 4 + body.Length);
        body.CopyTo(frame.AsSpan(5));
        return frame;
    }
}
