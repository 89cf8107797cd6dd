using PgxcBot.Core.Gtm;
using PgxcBot.Gtm.Protocol;

namespace PgxcBot.Tests.Gtm;

/// <summary>What the bot puts on the wire, byte for byte, against the layouts of fe-connect.c, gtm_client.c,
/// gtm_c.h and gtm_msg.h of each flavor.</summary>
public sealed class GtmMessagesTests
{
    private static readonly string NamePadding = new('0', (64 - 7) * 2);

    [Fact]
    public void Xc_startup_is_the_72_byte_struct_name_coordinator_type_not_postmaster()
    {
        var frame = GtmMessages.StartupFrame(GtmProtocol.Xc12, "pgxcbot");

        Assert.Equal(
            "41" + "0000004C" +                      // 'A', length 4 + 72
            "7067786362 6F74".Replace(" ", "") + NamePadding + // "pgxcbot" NUL-padded to SP_NODE_NAME (64)
            "03000000" +                              // sp_remotetype = GTM_NODE_COORDINATOR, native order
            "00000000",                               // sp_ispostmaster = false + 3 bytes padding
            Convert.ToHexString(frame));
    }

    [Fact]
    public void Xl_startup_appends_a_zero_client_id_and_is_76_bytes()
    {
        var frame = GtmMessages.StartupFrame(GtmProtocol.Xl10, "pgxcbot");

        Assert.Equal(81, frame.Length);
        Assert.Equal("4100000050", Convert.ToHexString(frame, 0, 5)); // 'A', length 4 + 76
        Assert.Equal("0300000000000000" + "00000000", Convert.ToHexString(frame, 69, 12)); // type, bool+pad, sp_client_id
    }

    [Theory]
    [InlineData("")]
    [InlineData("a-name-of-sixty-four-characters-which-leaves-no-room-for-its-nul")]
    [InlineData("tab\tname")]
    [InlineData("naïve")]
    public void Startup_refuses_client_names_the_64_byte_field_cannot_hold(string name)
    {
        Assert.Throws<ArgumentException>(() => GtmMessages.StartupFrame(GtmProtocol.Xc12, name));
    }

    [Theory]
    [InlineData(Flavor.PostgresXc, "43" + "00000008" + "00000022")] // MSG_TXN_GET_NEXT_GXID = 34 in XC
    [InlineData(Flavor.PostgresXl, "43" + "00000008" + "00000025")] // = 37 in XL (three messages inserted before it)
    public void Next_gxid_request_is_a_bare_command_with_the_flavor_s_number(Flavor flavor, string expected)
    {
        var protocol = GtmProtocol.For(flavor);
        Assert.Equal(expected, Convert.ToHexString(GtmMessages.CommandFrame(protocol.MsgTxnGetNextGxid)));
    }

    [Theory]
    [InlineData(Flavor.PostgresXc, "00000006")] // MSG_NODE_LIST = 6 in XC
    [InlineData(Flavor.PostgresXl, "00000009")] // = 9 in XL
    public void Node_list_request_uses_the_flavor_s_number(Flavor flavor, string number)
    {
        Assert.Equal("4300000008" + number, Convert.ToHexString(GtmMessages.CommandFrame(GtmProtocol.For(flavor).MsgNodeList)));
    }

    [Fact]
    public void Unregister_sends_native_type_then_big_endian_name_length_then_name()
    {
        var frame = GtmMessages.CommandFrame(GtmProtocol.Xl10.MsgNodeUnregister,
            GtmMessages.UnregisterArguments(GtmNodeType.Datanode, "datanode1"));

        Assert.Equal(
            "43" + "00000019" +         // 'C', length 4 (itself) + 4 + 4 + 4 + 9 = 25
            "00000004" +                // MSG_NODE_UNREGISTER = 4 (both flavors), big-endian
            "04000000" +                // GTM_NODE_DATANODE, raw native int32 (memcpy in register_gtm.c)
            "00000009" +                // name length, big-endian (pq_getmsgint)
            "646174616E6F646531",       // "datanode1"
            Convert.ToHexString(frame));
    }

    [Fact]
    public void Terminate_is_an_empty_x_frame()
    {
        Assert.Equal("5800000004", Convert.ToHexString(GtmMessages.TerminateFrame()));
    }

    [Fact]
    public void Plain_postgresql_has_no_gtm_protocol()
    {
        Assert.Throws<ArgumentException>(() => GtmProtocol.For(Flavor.PostgreSql));
    }
}
