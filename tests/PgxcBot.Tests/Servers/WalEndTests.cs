using PgxcBot.Core.Servers;

namespace PgxcBot.Tests.Servers;

/// <summary>Where pg_waldump's closing line puts the end of the valid WAL (lines as PostgreSQL 15 and
/// Postgres-XL 10 print them).</summary>
public sealed class WalEndTests
{
    [Theory]
    // Inside a page: the failing record's position (15 and XL 10 wordings).
    [InlineData("pg_waldump: error: error in WAL record at 0/8F90548: invalid record length at 0/8F905C0: wanted 24, got 0", "0/8F905C0")]
    [InlineData("pg_waldump: FATAL:  error in WAL record at 0/3005A08: invalid record length at 0/3005A40: wanted 24, got 0", "0/3005A40")]
    [InlineData("pg_waldump: error: error in WAL record at 0/5000110: incorrect resource manager data checksum in record at 0/5000188", "0/5000188")]
    // At a page of older WAL (a recycled segment): that page, the segment's start plus the offset.
    [InlineData("pg_waldump: error: error in WAL record at 0/9FFFFB0: unexpected pageaddr 0/2000000 in log segment 00000001000000000000000A, offset 0", "0/A000000")]
    [InlineData("pg_waldump: FATAL:  error in WAL record at 0/D01E0F8: invalid magic number 0000 in log segment 00000002000000000000000D, offset 122880", "0/D01E000")]
    [InlineData("pg_waldump: error: error in WAL record at 1/FFFFFB0: unexpected pageaddr 0/2000000 in log segment 0000000100000001000000FF, offset 8192", "1/FF002000")]
    public void The_end_is_where_the_closing_error_points(string line, string expected) =>
        Assert.Equal(Lsn.Parse(expected), ProcessList.WalEndOf("@@walend " + line, []));

    [Fact]
    public void A_segment_size_from_pg_controldata_places_the_page()
    {
        // 64 MiB segments: 64 per 4 GiB, so segment 0/2 starts at 0/8000000.
        var line = "@@walend pg_waldump: error: error in WAL record at 0/7FFFF00: unexpected pageaddr 0/0 in log segment 000000010000000000000002, offset 0";
        Assert.Equal(Lsn.Parse("0/8000000"), ProcessList.WalEndOf(line, ["Bytes per WAL segment:                67108864"]));
    }

    [Theory]
    [InlineData("pg_waldump: error: could not find a valid record after 0/A000000")]
    [InlineData("pg_waldump: fatal: could not open file \"000000010000000000000001\": Permission denied")]
    [InlineData("")]
    public void Anything_else_says_nothing_about_the_end(string line) => Assert.Null(ProcessList.WalEndOf("@@walend " + line, []));

    [Fact]
    public void The_process_list_takes_the_end_from_the_segment_that_held_valid_wal()
    {
        var output = string.Join('\n',
            "@@dir /data/dn1", "@@postmaster none", "@@cd Bytes per WAL segment:                16777216",
            "@@walend pg_waldump: error: error in WAL record at 0/8F90548: invalid record length at 0/8F905C0: wanted 24, got 0");
        Assert.Equal(Lsn.Parse("0/8F905C0"), ProcessList.Parse(output, TimeSpan.Zero)["/data/dn1"].WalEnd);
    }
}
