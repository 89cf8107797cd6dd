namespace PgxcBot.Core.Servers;

/// <summary>
/// What the SQL of one server version offers, so probes and runbooks ask each server only what it can
/// answer. Postgres-XC 1.2 is PostgreSQL 9.3 (server_version_num 90310), Postgres-XL 10r1.1 is 10.9
/// (100009); plain PostgreSQL is 12 or later. Sources: the PostgreSQL release notes of 9.6 (wait_event,
/// pg_stat_wal_receiver, pg_control_*), 10 (xlog → wal and location → lsn renames, *_lag columns,
/// pg_current_wal_flush_lsn), 11 (pg_stat_wal_receiver.sender_host/sender_port), 12 (reply_time,
/// standby.signal instead of recovery.conf).
/// </summary>
/// <param name="VersionNum">server_version_num, e.g. 90310 or 150018.</param>
public sealed record ServerFeatures(int VersionNum)
{
    /// <summary>From a parsed server version (Npgsql reads "9.3.10" or "10.9 (Postgres-XL 10r1.1)" as 9.3 / 10.9).</summary>
    public static ServerFeatures Of(Version version) =>
        new(version.Major >= 10 ? version.Major * 10000 + Math.Max(0, version.Minor) : version.Major * 10000 + version.Minor * 100);

    /// <summary>PostgreSQL 10 renamed xlog to wal and location to lsn.</summary>
    public bool WalNames => VersionNum >= 100000;

    /// <summary>pg_stat_activity.wait_event ('SyncRep' for commits waiting on a synchronous standby), 9.6+.</summary>
    public bool WaitEvents => VersionNum >= 90600;

    /// <summary>pg_stat_wal_receiver, 9.6+.</summary>
    public bool WalReceiverView => VersionNum >= 90600;

    /// <summary>pg_stat_wal_receiver.sender_host and sender_port, 11+.</summary>
    public bool WalReceiverSender => VersionNum >= 110000;

    /// <summary>pg_control_system() and pg_control_checkpoint(), 9.6+.</summary>
    public bool ControlFunctions => VersionNum >= 90600;

    /// <summary>pg_stat_replication write_lag, flush_lag, replay_lag, 10+.</summary>
    public bool ReplicationLagColumns => VersionNum >= 100000;

    /// <summary>pg_stat_replication.reply_time, 12+.</summary>
    public bool ReplyTime => VersionNum >= 120000;

    /// <summary>pg_replication_slots, 9.4+ (Postgres-XC has no slots).</summary>
    public bool ReplicationSlots => VersionNum >= 90400;

    /// <summary>pg_replication_slots.wal_status and safe_wal_size, 13+.</summary>
    public bool SlotWalStatus => VersionNum >= 130000;

    /// <summary>pg_stat_archiver, 9.4+.</summary>
    public bool Archiver => VersionNum >= 90400;

    /// <summary>wal_keep_size (13+); before it, wal_keep_segments.</summary>
    public bool WalKeepSize => VersionNum >= 130000;

    /// <summary>to_regproc(text) and to_regclass(text), 9.4+: a name looked up without scanning the catalog.</summary>
    public bool RegLookups => VersionNum >= 90400;

    /// <summary>pg_size_bytes(text), 9.6+: a setting's bytes from current_setting(), which reads one setting, where
    /// pg_settings builds every setting's row (0.5 ms of server CPU per scan, PostgreSQL 15 here, pgbench -M prepared).</summary>
    public bool SizeBytes => VersionNum >= 90600;

    /// <summary>max_wal_size (9.5+); before it, checkpoint_segments.</summary>
    public bool MaxWalSize => VersionNum >= 90500;

    /// <summary>pg_ls_waldir(), 10+ (superuser or pg_monitor); before it, pg_ls_dir('pg_xlog') for a superuser.</summary>
    public bool LsWalDir => VersionNum >= 100000;

    /// <summary>pg_ls_archive_statusdir(), 12+ (superuser or pg_monitor).</summary>
    public bool LsArchiveStatusDir => VersionNum >= 120000;

    /// <summary>pg_stat_replication.backend_xmin (the standby's hot_standby_feedback xmin), 9.4+.</summary>
    public bool ReplicationBackendXmin => VersionNum >= 90400;

    /// <summary>ALTER SYSTEM, 9.4+ (Postgres-XC has none).</summary>
    public bool AlterSystem => VersionNum >= 90400;

    /// <summary>The master's current write position.</summary>
    public string CurrentLsn => WalNames ? "pg_current_wal_lsn()" : "pg_current_xlog_location()";

    /// <summary>
    /// The master's flushed position: every acknowledged commit is at or before it. 9.x has no flush
    /// function; its write position (<c>pg_current_xlog_location()</c>) is at or after the flush position,
    /// so using it as "flushed" can only overstate what the slave must have, never understate it.
    /// </summary>
    public string FlushLsn => WalNames ? "pg_current_wal_flush_lsn()" : "pg_current_xlog_location()";

    public string ReceiveLsn => WalNames ? "pg_last_wal_receive_lsn()" : "pg_last_xlog_receive_location()";

    public string ReplayLsn => WalNames ? "pg_last_wal_replay_lsn()" : "pg_last_xlog_replay_location()";

    public string WalFileName(string lsn) => WalNames ? $"pg_walfile_name({lsn})" : $"pg_xlogfile_name({lsn})";

    public string LsnDiff(string a, string b) => WalNames ? $"pg_wal_lsn_diff({a}, {b})" : $"pg_xlog_location_diff({a}, {b})";

    /// <summary>A pg_stat_replication position column: sent, write, flush or replay.</summary>
    public string ReplicationColumn(string which) => WalNames ? which + "_lsn" : which + "_location";
}
