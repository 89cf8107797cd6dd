namespace PgxcBot.Core.Servers;

/// <summary>
/// WAL functions and columns by server version: PostgreSQL 10 renamed xlog to wal and location to lsn.
/// Postgres-XC (9.2 based) has the old names, Postgres-XL (10 based) the new.
/// </summary>
public static class WalSql
{
    private static bool New(int serverVersionNum) => serverVersionNum >= 100000;

    public static string CurrentLsn(int v) => New(v) ? "pg_current_wal_lsn()" : "pg_current_xlog_location()";

    public static string ReceiveLsn(int v) => New(v) ? "pg_last_wal_receive_lsn()" : "pg_last_xlog_receive_location()";

    public static string LsnDiff(int v, string a, string b) => New(v) ? $"pg_wal_lsn_diff({a}, {b})" : $"pg_xlog_location_diff({a}, {b})";

    public static string FlushColumn(int v) => New(v) ? "flush_lsn" : "flush_location";

    /// <summary>wal_level a master needs for a hot standby: <c>replica</c> from 9.6, <c>hot_standby</c> before.</summary>
    public static string StandbyWalLevel(int v) => v >= 90600 ? "replica" : "hot_standby";

    /// <summary>wal_level values that already allow a hot standby.</summary>
    public static IReadOnlyList<string> StandbyCapableWalLevels { get; } = ["replica", "hot_standby", "logical"];
}
