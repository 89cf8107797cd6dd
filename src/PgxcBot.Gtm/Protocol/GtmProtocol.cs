using PgxcBot.Core.Topology;

namespace PgxcBot.Gtm.Protocol;

/// <summary>
/// The numbers and layouts that differ between the two GTM flavors. Each value was counted in the headers
/// installed with the builds we test against (Postgres-XC 1.2 REL1_2_STABLE, Postgres-XL 10r1.1
/// XL_10_STABLE: include/postgresql/server/gtm/*.h) and checked against a running GTM of each.
/// <list type="bullet">
/// <item>Message and result numbers are positions in <c>GTM_MessageType</c> / <c>GTM_ResultType</c>
/// (gtm_msg.h). XL inserted MSG_REGISTER_SESSION, MSG_REPORT_XMIN and MSG_BKUP_REPORT_XMIN after
/// MSG_BKUP_NODE_UNREGISTER (and REGISTER_SESSION_RESULT, REPORT_XMIN_RESULT after NODE_UNREGISTER_RESULT),
/// so everything from the node list on is shifted by three (two for results).</item>
/// <item>The startup packet is the raw C struct <c>GTM_StartupPacket</c> (gtm_c.h): XL appends
/// <c>uint32 sp_client_id</c>, so it is 76 bytes instead of 72.</item>
/// <item>The startup answer 'R' is empty on XC; XL puts the client id the GTM assigned in it
/// (main.c, GTM_ThreadMain).</item>
/// <item>A node-list entry (gtm_serialize.c, gtm_serialize_pgxcnodeinfo) has, on XL only, a tail after the
/// status: excluded (bool), reported xmin (uint32), its time (int64), max and current session counts
/// (uint32 each) and the sessions (8 bytes each).</item>
/// </list>
/// </summary>
internal sealed class GtmProtocol
{
    private GtmProtocol(Flavor flavor, string name, int startupPacketLength, int startupReplyLength,
        int msgNodeList, int msgTxnGetNextGxid, int resultNodeList, int resultTxnGetNextGxid, bool nodeInfoHasXlTail)
    {
        Flavor = flavor;
        Name = name;
        StartupPacketLength = startupPacketLength;
        StartupReplyLength = startupReplyLength;
        MsgNodeList = msgNodeList;
        MsgTxnGetNextGxid = msgTxnGetNextGxid;
        ResultNodeList = resultNodeList;
        ResultTxnGetNextGxid = resultTxnGetNextGxid;
        NodeInfoHasXlTail = nodeInfoHasXlTail;
    }

    /// <summary>Postgres-XC 1.2.</summary>
    public static GtmProtocol Xc12 { get; } = new(Flavor.PostgresXc, "Postgres-XC",
        startupPacketLength: 72, startupReplyLength: 0,
        msgNodeList: 6, msgTxnGetNextGxid: 34, resultNodeList: 3, resultTxnGetNextGxid: 20, nodeInfoHasXlTail: false);

    /// <summary>Postgres-XL 10.</summary>
    public static GtmProtocol Xl10 { get; } = new(Flavor.PostgresXl, "Postgres-XL",
        startupPacketLength: 76, startupReplyLength: 4,
        msgNodeList: 9, msgTxnGetNextGxid: 37, resultNodeList: 5, resultTxnGetNextGxid: 22, nodeInfoHasXlTail: true);

    /// <summary>The protocol of <paramref name="flavor"/>.</summary>
    /// <exception cref="ArgumentException">Plain PostgreSQL has no GTM.</exception>
    public static GtmProtocol For(Flavor flavor) => flavor switch
    {
        Flavor.PostgresXc => Xc12,
        Flavor.PostgresXl => Xl10,
        _ => throw new ArgumentException($"flavor {flavor} has no GTM; only Postgres-XC and Postgres-XL clusters have one", nameof(flavor)),
    };

    public Flavor Flavor { get; }

    /// <summary>For messages: "Postgres-XC" or "Postgres-XL".</summary>
    public string Name { get; }

    /// <summary>sizeof(GTM_StartupPacket) on a 64-bit little-endian server: 72 (XC) or 76 (XL).</summary>
    public int StartupPacketLength { get; }

    /// <summary>Body length of the GTM's 'R' answer to the startup: 0 (XC) or 4, the client id (XL).</summary>
    public int StartupReplyLength { get; }

    /// <summary>MSG_NODE_UNREGISTER: 4 in both (gtm_msg.h).</summary>
    public int MsgNodeUnregister => 4;

    /// <summary>MSG_NODE_LIST: 6 (XC) or 9 (XL).</summary>
    public int MsgNodeList { get; }

    /// <summary>MSG_TXN_GET_NEXT_GXID: 34 (XC) or 37 (XL).</summary>
    public int MsgTxnGetNextGxid { get; }

    /// <summary>NODE_UNREGISTER_RESULT: 2 in both.</summary>
    public int ResultNodeUnregister => 2;

    /// <summary>NODE_LIST_RESULT: 3 (XC) or 5 (XL).</summary>
    public int ResultNodeList { get; }

    /// <summary>TXN_GET_NEXT_GXID_RESULT: 20 (XC) or 22 (XL).</summary>
    public int ResultTxnGetNextGxid { get; }

    /// <summary>Whether node-list entries carry XL's xmin and session tail.</summary>
    public bool NodeInfoHasXlTail { get; }

    /// <summary>The other flavor, for "is the flavor right?" hints.</summary>
    public GtmProtocol Other => ReferenceEquals(this, Xc12) ? Xl10 : Xc12;
}
