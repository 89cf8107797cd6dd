using PgxcBot.Lab.Coordinator;

namespace PgxcBot.IntegrationTests.Contracts;

/// <summary>
/// The simulator's stand-in for <c>pgxc_node_str()</c> names its column as a real datanode does: after the
/// function, also through casts (the bot's identity check casts every column to text), unless the statement
/// gives its own alias or the call is only part of an expression (then PostgreSQL names it ?column?).
/// </summary>
public sealed class SimulatorNodeStrRewriteTests
{
    [Theory]
    [InlineData("SELECT pgxc_node_str()", "SELECT 'dn1'::text AS pgxc_node_str")]
    [InlineData("SELECT pgxc_node_str()::text, inet_server_port()::text", "SELECT 'dn1'::text::text AS pgxc_node_str, inet_server_port()::text")]
    [InlineData("SELECT pgxc_node_str()::varchar(20) FROM t", "SELECT 'dn1'::text::varchar(20) AS pgxc_node_str FROM t")]
    [InlineData("SELECT pgxc_node_str()::character varying;", "SELECT 'dn1'::text::character varying AS pgxc_node_str;")]
    [InlineData("SELECT pgxc_node_str()::text[]", "SELECT 'dn1'::text::text[] AS pgxc_node_str")]
    [InlineData("SELECT pgxc_node_str()::text AS who", "SELECT 'dn1'::text::text AS who")]
    [InlineData("SELECT pgxc_node_str() || 'x'", "SELECT 'dn1'::text || 'x'")]
    [InlineData("SELECT 'pgxc_node_str()'", "SELECT 'pgxc_node_str()'")]
    public void Keeps_the_column_name_a_real_datanode_gives(string sql, string relayed) =>
        Assert.Equal(relayed, NodeStrRewriter.Rewrite(sql, "dn1"));
}
