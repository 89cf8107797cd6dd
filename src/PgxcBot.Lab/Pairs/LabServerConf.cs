using System.Globalization;
using PgxcBot.Core.Topology;
using PgxcBot.Lab.Pgxc;

namespace PgxcBot.Lab.Pairs;

/// <summary>
/// The lines of a lab server's own include file (pgxcbot-lab.conf). Every setting written for Postgres-XC
/// exists in PostgreSQL 9.3 and every one for Postgres-XL in 10 (checked with <c>postgres --describe-config</c>
/// of both builds): 9.3 has no max_replication_slots or dynamic_shared_memory_type, neither has wal_keep_size.
/// </summary>
internal static class LabServerConf
{
    public static string[] Render(LabPairOptions options, int port, string socketDir, bool minimalWal, PgxcNode? node, int? poolerPort)
    {
        if (node is null) return PostgreSql(options, port, socketDir, minimalWal);

        var xc = node.Flavor == Flavor.PostgresXc;
        var lines = new List<string>
        {
            "# Written by the pgxcbot lab pair builder.",
            "listen_addresses = '127.0.0.1'",
            $"port = {Number(port)}",
            $"unix_socket_directories = '{socketDir}'",
            minimalWal ? "wal_level = minimal" : xc ? "wal_level = hot_standby" : "wal_level = replica",
            minimalWal ? "max_wal_senders = 0" : "max_wal_senders = 10",
        };
        if (!xc) lines.Add("max_replication_slots = 10");
        lines.AddRange(
        [
            // 4 segments of 16 MB: the 64 MB PostgreSQL 15 keeps with wal_keep_size.
            "wal_keep_segments = 4",
            // Two-phase commit: XC/XL datanodes need it for their own 2PC, and the bot's 2PC checks are tested with it.
            "max_prepared_transactions = 10",
            "hot_standby = on",
            // Off on XL: a restarted standby reports a local xmin far behind the GTM's global xmin, and the
            // master's cluster monitor then PANICs ("Found xid (0) or xmin (563) precedes global xmin
            // (60016)", seen in the flavor scenario), restarting the master and breaking the coordinators'
            // pooled connections. XC 9.3 has no cluster monitor.
            xc ? "hot_standby_feedback = on" : "hot_standby_feedback = off",
            $"fsync = {(options.Fsync ? "on" : "off")}",
            $"shared_buffers = '{options.SharedBuffers}'",
            $"max_connections = {Number(options.MaxConnections)}",
        ]);
        if (!xc) lines.Add("dynamic_shared_memory_type = posix");
        lines.AddRange(
        [
            "logging_collector = off",
            "log_line_prefix = '%m [%p] '",
            $"gtm_host = '{node.Gtm.Host}'",
            $"gtm_port = {Number(node.Gtm.Port)}",
        ]);
        if (poolerPort is { } pooler) lines.Add($"pooler_port = {Number(pooler)}");
        if (node.QueryableStandby) lines.Add("global_snapshot_source = 'coordinator'");
        return [.. lines];
    }

    // PostgreSQL 15: the lines the lab always wrote, and prepared transactions for the 2PC checks.
    private static string[] PostgreSql(LabPairOptions options, int port, string socketDir, bool minimalWal) =>
    [
        "# Written by the pgxcbot lab pair builder.",
        "listen_addresses = '127.0.0.1'",
        $"port = {Number(port)}",
        $"unix_socket_directories = '{socketDir}'",
        minimalWal ? "wal_level = minimal" : "wal_level = replica",
        minimalWal ? "max_wal_senders = 0" : "max_wal_senders = 10",
        "max_replication_slots = 10",
        "max_prepared_transactions = 10",
        "wal_keep_size = '64MB'",
        "hot_standby = on",
        "hot_standby_feedback = on",
        $"fsync = {(options.Fsync ? "on" : "off")}",
        $"shared_buffers = '{options.SharedBuffers}'",
        $"max_connections = {Number(options.MaxConnections)}",
        "dynamic_shared_memory_type = posix",
        "logging_collector = off",
        "log_line_prefix = '%m [%p] '",
    ];

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
