using System.Buffers.Binary;
using System.Text;
using PgxcBot.Core.Gtm;
using PgxcBot.Gtm.Protocol;

namespace PgxcBot.Tests.Gtm;

/// <summary>Decoding of the GTM's answers: layouts derived from register_gtm.c, gtm_serialize.c, gtm_txn.c,
/// main.c and elog.c, plus bodies captured from the real Postgres-XC 1.2 and Postgres-XL 10r1.1 GTMs.</summary>
public sealed class GtmRepliesTests
{
    // MSG_NODE_LIST answer of the real XC 1.2 GTM after dn1 (killed with -9) was registered again by a server
    // with a longer data folder, and dn2 was unregistered before the same: dn2 is intact, dn1's node type now
    // reads 0x6F746365, the bytes "ecto" of ".../directory" written past the old folder's allocation.
    private const string XcCapturedList =
        "00000003000000020000005e0400000003000000646e32000000000ab80000090000006c6f63616c686f7374360000002f746d702f67746d772d736372617463682f78632d646e322d612d6d7563682d6c6f6e6765722d736c6176652d6469726563746f7279000000000000005e6563746f03000000646e310000000008b80000090000006c6f63616c686f7374360000002f746d702f67746d772d736372617463682f78632d646e312d612d6d7563682d6c6f6e6765722d736c6176652d6469726563746f727900000000";

    // The real XL 10r1.1 GTM with one running datanode: XL's cluster monitor registers port 0 and no folder,
    // and the entry carries XL's tail (excluded, xmin 60000, report time, session counts).
    private const string XlCapturedList =
        "00000005000000010000003e0400000004000000646e6c310000000000000000090000006c6f63616c686f737400000000000000000060ea0000505f996d790403000000000000000000";

    [Fact]
    public void Xc_node_list_captured_from_a_real_gtm_decodes_every_field()
    {
        var nodes = GtmReplies.NodeList(GtmProtocol.Xc12, Success(XcCapturedList));

        Assert.Equal(2, nodes.Count);
        Assert.Equal(new GtmNodeRegistration(GtmNodeType.Datanode, "dn2", "localhost", 47114,
            "/tmp/gtmw-scratch/xc-dn2-a-much-longer-slave-directory", "", GtmNodeStatus.Connected), nodes[0]);
        Assert.Equal("dn1", nodes[1].Name);
        Assert.Equal(0x6F746365, (int)nodes[1].Type);
        Assert.Contains("node of type 1869898597", nodes[1].Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Xl_node_list_captured_from_a_real_gtm_skips_the_xmin_and_session_tail()
    {
        var nodes = GtmReplies.NodeList(GtmProtocol.Xl10, Success(XlCapturedList));

        var node = Assert.Single(nodes);
        Assert.Equal(new GtmNodeRegistration(GtmNodeType.Datanode, "dnl1", "localhost", 0, "", "", GtmNodeStatus.Connected), node);
    }

    [Fact]
    public void Node_list_built_from_the_source_layout_decodes_proxy_and_disconnected_status()
    {
        var entry = XcEntry(GtmNodeType.Coordinator, "coord1", "proxy1", 5432, "10.0.0.7", "/data/coord1", status: 1);
        var body = Concat(BigEndian(3), BigEndian(1), BigEndian(entry.Length), entry);

        var node = Assert.Single(GtmReplies.NodeList(GtmProtocol.Xc12, new GtmFrame((byte)'S', body)));

        Assert.Equal(new GtmNodeRegistration(GtmNodeType.Coordinator, "coord1", "10.0.0.7", 5432, "/data/coord1", "proxy1",
            GtmNodeStatus.Disconnected), node);
        Assert.Equal("coordinator coord1 at 10.0.0.7:5432, /data/coord1, disconnected, through proxy proxy1", node.Describe());
    }

    [Fact]
    public void Xl_entry_with_sessions_consumes_eight_bytes_per_session()
    {
        var tail = Concat([0], LittleEndian(1234), new byte[8], LittleEndian(4), LittleEndian(2), new byte[16]);
        var entry = Concat(XcEntry(GtmNodeType.Coordinator, "coord1", "", 0, "", "", 0), tail);
        var body = Concat(BigEndian(5), BigEndian(1), BigEndian(entry.Length), entry);

        Assert.Equal("coord1", Assert.Single(GtmReplies.NodeList(GtmProtocol.Xl10, new GtmFrame((byte)'S', body))).Name);
    }

    [Fact]
    public void An_xl_list_read_as_xc_is_refused_by_its_result_number()
    {
        var e = Assert.Throws<GtmProtocolException>(() => GtmReplies.NodeList(GtmProtocol.Xc12, Success(XlCapturedList)));
        Assert.Contains("result type 5", e.Message, StringComparison.Ordinal);
        Assert.Contains("flavor", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_xc_entry_inside_an_xl_numbered_answer_is_refused_as_too_short()
    {
        var entry = XcEntry(GtmNodeType.Datanode, "dn1", "", 1, "h", "/d", 0);
        var body = Concat(BigEndian(5), BigEndian(1), BigEndian(entry.Length), entry);
        Assert.Throws<GtmProtocolException>(() => GtmReplies.NodeList(GtmProtocol.Xl10, new GtmFrame((byte)'S', body)));
    }

    [Fact]
    public void An_xl_entry_read_as_xc_leaves_bytes_over_and_says_so()
    {
        var entry = Concat(XcEntry(GtmNodeType.Datanode, "dn1", "", 1, "h", "/d", 0), new byte[21]);
        var body = Concat(BigEndian(3), BigEndian(1), BigEndian(entry.Length), entry);
        var e = Assert.Throws<GtmProtocolException>(() => GtmReplies.NodeList(GtmProtocol.Xc12, new GtmFrame((byte)'S', body)));
        Assert.Contains("21 byte(s) left over", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00000003")]                                  // no count
    [InlineData("00000003" + "00000001")]                     // count 1, no entry
    [InlineData("00000003" + "00000001" + "000000ff" + "04")] // entry announces 255 bytes, 1 present
    [InlineData("00000003" + "00010000")]                     // 65536 nodes: above MAX_NODES
    [InlineData("00000003" + "FFFFFFFF")]                     // negative count
    [InlineData("00000003" + "00000001" + "00000008" + "04000000" + "FFFFFF7F")] // name length 2^31-1
    [InlineData("00000003" + "00000000" + "00")]              // a byte after the last entry
    public void Truncated_or_absurd_node_lists_throw_protocol_errors_not_crashes(string hex)
    {
        Assert.Throws<GtmProtocolException>(() => GtmReplies.NodeList(GtmProtocol.Xc12, Success(hex)));
    }

    [Fact]
    public void An_error_answer_to_a_request_surfaces_the_gtm_s_text()
    {
        var body = ErrorBody(("S", "ERROR"), ("M", "Failed to Unregister node"));
        var e = Assert.Throws<GtmServerErrorException>(() =>
            GtmReplies.Unregistered(GtmProtocol.Xc12, new GtmFrame((byte)'E', body)));
        Assert.Equal("ERROR: Failed to Unregister node", e.ServerMessage);
    }

    [Fact]
    public void Error_text_keeps_detail_and_hint_and_survives_a_torn_message()
    {
        Assert.Equal("FATAL: boom (the detail) Hint: the hint",
            GtmReplies.ErrorText(ErrorBody(("S", "FATAL"), ("M", "boom"), ("D", "the detail"), ("H", "the hint"))));
        Assert.Equal("ERROR: (no message)", GtmReplies.ErrorText(Encoding.ASCII.GetBytes("Mno terminator")));
    }

    [Fact]
    public void Unregister_answer_echoes_native_type_and_name()
    {
        // Captured from the real XC GTM: NODE_UNREGISTER_RESULT (2), GTM_NODE_DATANODE, "dn2".
        var (type, name) = GtmReplies.Unregistered(GtmProtocol.Xc12, Success("000000020400000000000003646e32"));
        Assert.Equal(GtmNodeType.Datanode, type);
        Assert.Equal("dn2", name);
    }

    [Theory]
    [InlineData(true, "0000001400002710", 10000u)]  // XC: TXN_GET_NEXT_GXID_RESULT = 20, captured
    [InlineData(false, "000000160000ea60", 60000u)] // XL: = 22, captured
    public void Next_gxid_answer_is_a_big_endian_gxid_after_the_flavor_s_result_number(bool xc, string hex, uint gxid)
    {
        Assert.Equal(gxid, GtmReplies.NextGxid(xc ? GtmProtocol.Xc12 : GtmProtocol.Xl10, Success(hex)));
    }

    [Fact]
    public void Next_gxid_answer_of_the_other_flavor_is_refused()
    {
        Assert.Throws<GtmProtocolException>(() => GtmReplies.NextGxid(GtmProtocol.Xc12, Success("000000160000ea60")));
    }

    [Fact]
    public void Startup_answers_differ_by_flavor_and_a_mismatch_is_named()
    {
        GtmReplies.CheckStartup(GtmProtocol.Xc12, new GtmFrame((byte)'R', Array.Empty<byte>()));
        GtmReplies.CheckStartup(GtmProtocol.Xl10, new GtmFrame((byte)'R', new byte[] { 0, 0, 0, 2 }));

        var e = Assert.Throws<GtmProtocolException>(() =>
            GtmReplies.CheckStartup(GtmProtocol.Xc12, new GtmFrame((byte)'R', new byte[] { 0, 0, 0, 2 })));
        Assert.Contains("Postgres-XL GTM sends 4", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("invalid message format")]            // what the real XC GTM answers an XL startup
    [InlineData("insufficient data left in message")] // what the real XL GTM answers an XC startup
    public void A_refused_startup_suggests_checking_the_flavor(string gtmMessage)
    {
        var refusal = new GtmFrame((byte)'E', ErrorBody(("S", "FATAL"), ("M", gtmMessage)));
        var e = Assert.Throws<GtmProtocolException>(() => GtmReplies.CheckStartup(GtmProtocol.Xl10, refusal));
        Assert.Contains($"FATAL: {gtmMessage}", e.Message, StringComparison.Ordinal);
        Assert.Contains("check that the cluster's flavor", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_startup_answer_that_is_not_r_is_not_a_gtm()
    {
        Assert.Throws<GtmProtocolException>(() => GtmReplies.CheckStartup(GtmProtocol.Xc12, new GtmFrame((byte)'H', new byte[3])));
    }

    private static GtmFrame Success(string hex) => new((byte)'S', Convert.FromHexString(hex));

    /// <summary>One node entry in the layout of gtm_serialize_pgxcnodeinfo (both flavors' common part).</summary>
    private static byte[] XcEntry(GtmNodeType type, string name, string proxy, uint port, string host, string folder, int status) =>
        Concat(LittleEndian((int)type), Str(name), Str(proxy), LittleEndian((int)port), Str(host), Str(folder), LittleEndian(status));

    private static byte[] Str(string s) => Concat(LittleEndian(Encoding.UTF8.GetByteCount(s)), Encoding.UTF8.GetBytes(s));

    private static byte[] LittleEndian(int value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, value);
        return b;
    }

    private static byte[] BigEndian(int value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(b, value);
        return b;
    }

    private static byte[] ErrorBody(params (string Code, string Value)[] fields) =>
        Concat([.. fields.Select(f => Encoding.ASCII.GetBytes(f.Code + f.Value + "\0")), new byte[] { 0 }]);

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
