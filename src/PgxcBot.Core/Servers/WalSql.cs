namespace PgxcBot.Core.Servers;

/// <summary>
/// WAL functions and columns by server version (<see cref="ServerFeatures"/>): PostgreSQL 10 renamed
/// xlog to wal and location to lsn. Postgres-XC (9.3 based) has the old names, Postgres-XL (10 based) the new.
/// </summary>
public static class WalSql
{
    public static string CurrentLsn(int v) => new ServerFeatures(v).CurrentLsn;

    public static string ReceiveLsn(int v) => new ServerFeatures(v).ReceiveLsn;

    public static string LsnDiff(int v, string a, string b) => new ServerFeatures(v).LsnDiff(a, b);

    public static string FlushColumn(int v) => new ServerFeatures(v).ReplicationColumn("flush");

    /// <summary>wal_level a master needs for a hot standby: <c>replica</c> from 9.6, <c>hot_standby</c> before.</summary>
    public static string StandbyWalLevel(int v) => v >= 90600 ? "replica" : "hot_standby";

    /// <summary>wal_level values that already allow a hot standby.</summary>
    public static IReadOnlyList<string> StandbyCapableWalLevels { get; } = ["replica", "hot_standby", "logical"];
}
