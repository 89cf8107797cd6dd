using PgxcBot.Core.Servers;

namespace PgxcBot.Postgres;

/// <summary>
/// The SQL of the probes, in one place, for each server version (<see cref="ServerFeatures"/>): Postgres-XC
/// 1.2 answers as PostgreSQL 9.3 (xlog names, no wait_event, no pg_stat_wal_receiver, no pg_control_*),
/// Postgres-XL 10r1.1 as PostgreSQL 10. A datanode probe sends two statements in one batch (one round
/// trip). Every value is cast to a built-in type (text, int, float8, bool) because connections skip
/// Npgsql's type loading; what a version lacks is NULL, and the reader takes NULL as "not known".
/// </summary>
internal static class ProbeSql
{
    /// <summary>One row of server facts. Functions that fail on the wrong side of recovery are guarded by
    /// CASE; pg_control_* need privileges a monitoring role may lack, so they are guarded too.</summary>
    public static string Facts(ServerFeatures f) => $"""
        SELECT current_setting('server_version') AS server_version,
               current_setting('server_version_num')::int AS server_version_num,
               pg_is_in_recovery() AS in_recovery,
               current_setting('synchronous_standby_names') AS synchronous_standby_names,
               current_setting('synchronous_commit') AS synchronous_commit,
               CASE WHEN NOT pg_is_in_recovery() THEN {f.CurrentLsn}::text END AS current_wal_lsn,
               CASE WHEN NOT pg_is_in_recovery() THEN {f.FlushLsn}::text END AS flush_lsn,
               CASE WHEN pg_is_in_recovery() THEN {f.ReceiveLsn}::text END AS receive_lsn,
               CASE WHEN pg_is_in_recovery() THEN {f.ReplayLsn}::text END AS replay_lsn,
               CASE WHEN pg_is_in_recovery()
                    THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END AS replay_delay_seconds,
               {(f.WalReceiverView ? "(SELECT status FROM pg_stat_wal_receiver LIMIT 1)::text" : "NULL::text")} AS wal_receiver_status,
               {(f.WalReceiverSender ? "(SELECT sender_host FROM pg_stat_wal_receiver LIMIT 1)::text" : "NULL::text")} AS sender_host,
               {(f.WalReceiverSender ? "(SELECT sender_port FROM pg_stat_wal_receiver LIMIT 1)::int" : "NULL::int")} AS sender_port,
               {(f.WaitEvents ? "(SELECT count(*) FROM pg_stat_get_activity(NULL) WHERE wait_event = 'SyncRep')::int" : "NULL::int")} AS syncrep_waiters,
               {(f.WaitEvents ? "(SELECT extract(epoch FROM max(now() - query_start)) FROM pg_stat_get_activity(NULL) WHERE wait_event = 'SyncRep')::float8" : "NULL::float8")} AS syncrep_oldest_seconds,
               {(f.ControlFunctions ? "CASE WHEN has_function_privilege('pg_control_system()', 'EXECUTE') THEN (SELECT system_identifier FROM pg_control_system())::text END" : "NULL::text")} AS system_identifier,
               CASE WHEN NOT pg_is_in_recovery()
                    THEN ('x' || substr({f.WalFileName(f.CurrentLsn)}, 1, 8))::bit(32)::int
                    ELSE {StandbyTimeline(f)}
               END AS timeline,
               {XcFunctions(f)} AS xc_functions,
               {PgxcCatalog(f)} AS pgxc_catalog
        """;

    // Which flavor the server is. 9.4+: to_regproc/to_regclass look the name up in the syscache; scanning pg_proc and
    // pg_class costs a fresh session their relcache entries first (about 7 ms of server CPU here, pgbench -C).
    private static string XcFunctions(ServerFeatures f) => f.RegLookups
        ? "(to_regproc('pgxc_version') IS NOT NULL)::int"
        : "(SELECT count(*) FROM pg_proc WHERE proname = 'pgxc_version')::int";

    private static string PgxcCatalog(ServerFeatures f) => f.RegLookups
        ? "(to_regclass('pg_catalog.pgxc_node') IS NOT NULL)::int"
        : "(SELECT count(*) FROM pg_class WHERE relname = 'pgxc_node')::int";

    private static string StandbyTimeline(ServerFeatures f) => f.ControlFunctions
        ? """
          coalesce((SELECT received_tli FROM pg_stat_wal_receiver LIMIT 1)::int,
                   CASE WHEN has_function_privilege('pg_control_checkpoint()', 'EXECUTE')
                        THEN (SELECT timeline_id FROM pg_control_checkpoint())::int END)
          """
        : "NULL::int";

    /// <summary>pg_stat_replication, one row per WAL sender; lags as seconds. Read from the two functions the view
    /// joins (its definition in system_views.sql on 9.3, XC 1.2, XL 10 and 15 alike), without the view's join to
    /// pg_authid for the user name we do not read: in a fresh session that join costs its catalog entries (about 7 ms
    /// of server CPU here, pgbench -C).</summary>
    public static string Replication(ServerFeatures f) => $"""
        SELECT s.application_name::text AS application_name, host(s.client_addr) AS client_addr, s.client_port::int AS client_port,
               s.pid::int AS pid, w.state::text AS state, w.sync_state::text AS sync_state,
               w.{f.ReplicationColumn("sent")}::text AS sent_lsn, w.{f.ReplicationColumn("write")}::text AS write_lsn,
               w.{f.ReplicationColumn("flush")}::text AS flush_lsn, w.{f.ReplicationColumn("replay")}::text AS replay_lsn,
               {Lag(f, "write")} AS write_lag, {Lag(f, "flush")} AS flush_lag, {Lag(f, "replay")} AS replay_lag,
               {(f.ReplyTime ? "w.reply_time" : "NULL::timestamptz")} AS reply_time,
               {(f.ReplicationBackendXmin ? "s.backend_xmin::text" : "NULL::text")} AS backend_xmin
        FROM pg_stat_get_activity(NULL) s JOIN pg_stat_get_wal_senders() w ON s.pid = w.pid
        ORDER BY 1, 4
        """;

    private static string Lag(ServerFeatures f, string which) =>
        f.ReplicationLagColumns ? $"extract(epoch FROM w.{which}_lag)::float8" : "NULL::float8";

    /// <summary>A setting in bytes. 9.6+: pg_size_bytes(current_setting(...)): current_setting shows the value with
    /// its unit ('16MB', '1GB', '0') on every such version, and pg_size_bytes counts kB as 1024. Before 9.6, the setting
    /// and its unit from pg_settings (wal_segment_size is in 8kB pages before 11, in bytes after; max_wal_size in 16MB
    /// segments on 9.5). Warm and prepared, the WAL query costs PostgreSQL 15 0.094 ms this way and 1.52 ms with three
    /// pg_settings scans (pgbench -M prepared, this 2-core host): most of a poll's server CPU.</summary>
    private static string SettingBytes(ServerFeatures f, string name) => f.SizeBytes
        ? $"pg_size_bytes(current_setting('{name}'))"
        : $"""
        (SELECT (setting::numeric * CASE unit WHEN 'B' THEN 1 WHEN 'kB' THEN 1024 WHEN '8kB' THEN 8192 WHEN 'MB' THEN 1048576
                                             WHEN '16MB' THEN 16777216 WHEN 'GB' THEN 1073741824 END)::bigint
         FROM pg_settings WHERE name = '{name}')
        """;

    /// <summary>
    /// What keeps WAL on the server (one row): segment size, wal_keep, the checkpoint distance, the WAL directory's
    /// size when the bot may list it (10+: pg_ls_waldir(), superuser or pg_monitor; 9.x: pg_ls_dir('pg_xlog'),
    /// superuser), the archiver (9.4+) and its .ready files (12+). Every privileged read is guarded, so a
    /// monitoring role that lacks it reads NULL, never an error.
    /// </summary>
    public static string Wal(ServerFeatures f) => $"""
        SELECT {SettingBytes(f, "wal_segment_size")} AS segment_bytes,
               {(f.WalKeepSize ? SettingBytes(f, "wal_keep_size") : "NULL::bigint")} AS keep_bytes,
               {(f.WalKeepSize ? "NULL::bigint" : "current_setting('wal_keep_segments')::bigint")} AS keep_segments,
               {(f.MaxWalSize ? SettingBytes(f, "max_wal_size") : "NULL::bigint")} AS max_wal_bytes,
               {(f.MaxWalSize ? "NULL::bigint" : "current_setting('checkpoint_segments')::bigint")} AS checkpoint_segments,
               CASE WHEN NOT pg_is_in_recovery() THEN {f.WalFileName(f.CurrentLsn)}::text END AS current_wal_file,
               current_setting('archive_mode') AS archive_mode,
               {WalDirectory(f)} AS wal_dir_bytes,
               {(f.Archiver ? "(SELECT last_archived_wal FROM pg_stat_archiver)::text" : "NULL::text")} AS last_archived_wal,
               {(f.Archiver ? "(SELECT last_archived_time FROM pg_stat_archiver)" : "NULL::timestamptz")} AS last_archived_time,
               {(f.Archiver ? "(SELECT last_failed_wal FROM pg_stat_archiver)::text" : "NULL::text")} AS last_failed_wal,
               {(f.Archiver ? "(SELECT last_failed_time FROM pg_stat_archiver)" : "NULL::timestamptz")} AS last_failed_time,
               {(f.Archiver ? "(SELECT failed_count FROM pg_stat_archiver)::bigint" : "NULL::bigint")} AS failed_count,
               {(f.LsArchiveStatusDir
                   ? "CASE WHEN has_function_privilege('pg_ls_archive_statusdir()', 'EXECUTE') THEN (SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready')::int END"
                   : "NULL::int")} AS archive_ready_files
        """;

    private static string WalDirectory(ServerFeatures f) => f.LsWalDir
        ? "CASE WHEN has_function_privilege('pg_ls_waldir()', 'EXECUTE') THEN (SELECT coalesce(sum(size), 0) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$')::bigint END"
        // 9.x: only a superuser may list pg_xlog; every segment there is one wal_segment_size.
        : $"CASE WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN (SELECT count(*) FROM pg_ls_dir('pg_xlog') AS f(name) WHERE name ~ '^[0-9A-F]{{24}}$')::bigint * {SettingBytes(f, "wal_segment_size")} END";

    /// <summary>Replication slots (9.4+; wal_status and safe_wal_size 13+); no rows before 9.4.</summary>
    public static string Slots(ServerFeatures f) => f.ReplicationSlots
        ? $"""
          SELECT slot_name::text AS slot_name, slot_type::text AS slot_type, active, restart_lsn::text AS restart_lsn,
                 {(f.SlotWalStatus ? "wal_status::text" : "NULL::text")} AS wal_status,
                 {(f.SlotWalStatus ? "safe_wal_size::bigint" : "NULL::bigint")} AS safe_wal_size
          FROM pg_replication_slots ORDER BY slot_name
          """
        : "SELECT NULL::text AS slot_name, NULL::text AS slot_type, NULL::bool AS active, NULL::text AS restart_lsn, NULL::text AS wal_status, NULL::bigint AS safe_wal_size WHERE false";

    /// <summary>Prepared transactions, oldest first (pg_prepared_xacts exists on every version).</summary>
    public const string Prepared =
        "SELECT gid::text AS gid, transaction::text AS xid, prepared, extract(epoch FROM now() - prepared)::float8 AS age_seconds, owner::text AS owner, database::text AS database FROM pg_prepared_xacts ORDER BY prepared, gid";

    /// <summary>
    /// The fast commit watch's one light query (9.6+: wait_event): how many commits wait for a synchronous
    /// standby, and, only when some do (the lateral subquery is skipped otherwise), the WAL senders' state,
    /// flush position and reply_time (12+), the master's clock_timestamp() at the sample (silences are measured
    /// on it) and its WAL write position (whether it writes: the watch samples an idle master less often). One row
    /// with NULL sender columns when none is listed.
    /// </summary>
    public static string CommitWatch(ServerFeatures f) => $"""
        SELECT pg_is_in_recovery() AS in_recovery, w.n AS waiters,
               r.application_name, r.client_addr, r.state, r.flush_lsn, r.reply_time, clock_timestamp() AS at,
               CASE WHEN pg_is_in_recovery() THEN NULL ELSE {f.CurrentLsn}::text END AS wal_lsn
        FROM (SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event = 'SyncRep') w
        LEFT JOIN LATERAL (
            SELECT application_name::text AS application_name, host(client_addr) AS client_addr, state::text AS state,
                   {f.ReplicationColumn("flush")}::text AS flush_lsn,
                   {(f.ReplyTime ? "reply_time" : "NULL::timestamptz")} AS reply_time
            FROM pg_stat_replication WHERE w.n > 0) r ON true
        """;

    /// <summary>The coordinator's view of the cluster: every node it routes to.</summary>
    public const string PgxcNodes = "SELECT node_name::text, node_type::text, node_host::text, node_port::int FROM pgxc_node ORDER BY node_name";
}
