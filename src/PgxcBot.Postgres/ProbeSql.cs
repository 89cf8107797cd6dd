namespace PgxcBot.Postgres;

/// <summary>
/// The SQL of the probes, in one place. A datanode probe sends two statements in one batch (one round trip). Every value is cast to
/// a built-in type (text, int, float8, bool, timestamptz) because connections skip Npgsql's type loading.
/// Columns that older servers lack (Postgres-XL is PostgreSQL 10) are replaced by NULLs.
/// </summary>
internal static class ProbeSql
{
    /// <summary>One row of server facts. Functions that fail on the wrong side of recovery are guarded by
    /// CASE; pg_control_* need privileges a monitoring role may lack, so they are guarded too.</summary>
    public static string Facts(Version serverVersion) => $"""
        SELECT current_setting('server_version') AS server_version,
               current_setting('server_version_num')::int AS server_version_num,
               pg_is_in_recovery() AS in_recovery,
               current_setting('synchronous_standby_names') AS synchronous_standby_names,
               current_setting('synchronous_commit') AS synchronous_commit,
               CASE WHEN NOT pg_is_in_recovery() THEN pg_current_wal_lsn()::text END AS current_wal_lsn,
               CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()::text END AS receive_lsn,
               CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text END AS replay_lsn,
               CASE WHEN pg_is_in_recovery()
                    THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END AS replay_delay_seconds,
               (SELECT status FROM pg_stat_wal_receiver LIMIT 1)::text AS wal_receiver_status,
               {(serverVersion.Major >= 11 ? "(SELECT sender_host FROM pg_stat_wal_receiver LIMIT 1)::text" : "NULL::text")} AS sender_host,
               {(serverVersion.Major >= 11 ? "(SELECT sender_port FROM pg_stat_wal_receiver LIMIT 1)::int" : "NULL::int")} AS sender_port,
               (SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep')::int AS syncrep_waiters,
               CASE WHEN has_function_privilege('pg_control_system()', 'EXECUTE')
                    THEN (SELECT system_identifier FROM pg_control_system())::text END AS system_identifier,
               CASE WHEN NOT pg_is_in_recovery()
                    THEN ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int
                    ELSE coalesce((SELECT received_tli FROM pg_stat_wal_receiver LIMIT 1)::int,
                                  CASE WHEN has_function_privilege('pg_control_checkpoint()', 'EXECUTE')
                                       THEN (SELECT timeline_id FROM pg_control_checkpoint())::int END)
               END AS timeline
        """;

    /// <summary>pg_stat_replication, one row per WAL sender; lags as seconds.</summary>
    public static string Replication(Version serverVersion) => $"""
        SELECT application_name::text, host(client_addr) AS client_addr, state::text, sync_state::text,
               sent_lsn::text, write_lsn::text, flush_lsn::text, replay_lsn::text,
               extract(epoch FROM write_lag)::float8 AS write_lag,
               extract(epoch FROM flush_lag)::float8 AS flush_lag,
               extract(epoch FROM replay_lag)::float8 AS replay_lag,
               {(serverVersion.Major >= 12 ? "reply_time" : "NULL::timestamptz")} AS reply_time
        FROM pg_stat_replication
        ORDER BY application_name, pid
        """;

    /// <summary>The coordinator's view of the cluster: every node it routes to.</summary>
    public const string PgxcNodes = "SELECT node_name, node_type::text, node_host, node_port FROM pgxc_node ORDER BY node_name";
}
