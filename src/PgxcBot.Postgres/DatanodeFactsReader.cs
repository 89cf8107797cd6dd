using Npgsql;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;

namespace PgxcBot.Postgres;

/// <summary>Reads a datanode server's facts (<see cref="ProbeSql"/>) on an open connection, with the SQL of
/// the server's own version (Postgres-XC answers as 9.3, Postgres-XL as 10).</summary>
internal static class DatanodeFactsReader
{
    public static async Task<ServerFacts> ReadFactsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var features = ServerFeatures.Of(connection.PostgreSqlVersion);
        // One round trip for all five reads (it was two): a probe's time is mostly network round trips, which a
        // bot a few milliseconds from its servers pays per poll and per status. On loopback the bot's CPU did not
        // change measurably (idle benchmark, 16 pairs: 3.1-3.3 % against 3.2-3.9 %). The watch's reads come last:
        // PostgreSQL skips what follows a failed statement of the batch, and Npgsql raises that failure only when the
        // reader reaches it, so a watch read the role may not make still leaves the facts and the senders
        // (ReadWatchAsync; ObserverTests revokes pg_prepared_xacts to show it).
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(ProbeSql.Facts(features)),
                new NpgsqlBatchCommand(ProbeSql.Replication(features)),
                new NpgsqlBatchCommand(ProbeSql.Wal(features)),
                new NpgsqlBatchCommand(ProbeSql.Slots(features)),
                new NpgsqlBatchCommand(ProbeSql.Prepared),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);

        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            throw new InvalidOperationException("the server facts query returned no row");
        var inRecovery = reader.GetBoolean(reader.GetOrdinal("in_recovery"));
        var standby = inRecovery
            ? new StandbyFacts(
                ReceiveLsn: ReadLsn(reader, "receive_lsn"),
                ReplayLsn: ReadLsn(reader, "replay_lsn"),
                ReplayDelay: ReadSeconds(reader, "replay_delay_seconds"),
                WalReceiverStatus: ReadString(reader, "wal_receiver_status"),
                SenderHost: ReadString(reader, "sender_host"),
                SenderPort: ReadInt(reader, "sender_port"))
            : null;
        var waiters = ReadInt(reader, "syncrep_waiters");
        var facts = new ServerFacts(
            ServerVersion: reader.GetString(reader.GetOrdinal("server_version")),
            ServerVersionNum: reader.GetInt32(reader.GetOrdinal("server_version_num")),
            InRecovery: inRecovery,
            SynchronousStandbyNames: ReadString(reader, "synchronous_standby_names") ?? "",
            SynchronousCommit: ReadString(reader, "synchronous_commit") ?? "",
            CurrentWalLsn: ReadLsn(reader, "current_wal_lsn"),
            Replication: [],
            Standby: standby,
            SyncRepWaiters: waiters ?? 0,
            SystemIdentifier: ReadString(reader, "system_identifier"),
            Timeline: ReadInt(reader, "timeline"))
        {
            FlushLsn = ReadLsn(reader, "flush_lsn"),
            OldestSyncRepWait = ReadSeconds(reader, "syncrep_oldest_seconds"),
            SyncRepWaitersKnown = waiters is not null,
            ReportedFlavor = ReadInt(reader, "xc_functions") > 0 ? Flavor.PostgresXc
                : ReadInt(reader, "pgxc_catalog") > 0 ? Flavor.PostgresXl
                : Flavor.PostgreSql,
        };

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var replication = new List<ReplicationRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            replication.Add(new ReplicationRow(
                ApplicationName: ReadString(reader, "application_name") ?? "",
                ClientAddress: ReadString(reader, "client_addr"),
                State: ReadString(reader, "state") ?? "",
                SyncState: ReadString(reader, "sync_state") ?? "",
                SentLsn: ReadLsn(reader, "sent_lsn"),
                WriteLsn: ReadLsn(reader, "write_lsn"),
                FlushLsn: ReadLsn(reader, "flush_lsn"),
                ReplayLsn: ReadLsn(reader, "replay_lsn"),
                WriteLag: ReadSeconds(reader, "write_lag"),
                FlushLag: ReadSeconds(reader, "flush_lag"),
                ReplayLag: ReadSeconds(reader, "replay_lag"),
                ReplyTime: reader.IsDBNull(reader.GetOrdinal("reply_time"))
                    ? null
                    : new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(reader.GetOrdinal("reply_time")), DateTimeKind.Utc)))
            {
                ClientPort = ReadInt(reader, "client_port"),
                Pid = ReadInt(reader, "pid"),
                BackendXmin = ReadString(reader, "backend_xmin") is { } xmin && long.TryParse(xmin, System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null,
            });
        }
        facts = facts with { Replication = replication };
        return await ReadWatchAsync(reader, facts, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// What keeps WAL on disk and the prepared transactions, the last three results of the probe's batch: a server
    /// that refuses one of these reads (a role without a privilege the guards did not foresee) still gives every
    /// other fact, and says why the watch is missing.
    /// </summary>
    private static async Task<ServerFacts> ReadWatchAsync(NpgsqlDataReader reader, ServerFacts facts, CancellationToken cancellationToken)
    {
        try
        {
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                throw new InvalidOperationException("the WAL facts query returned no row");
            var segment = ReadLong(reader, "segment_bytes") ?? 16L * 1024 * 1024;
            var keep = ReadLong(reader, "keep_bytes") ?? ReadLong(reader, "keep_segments") * segment;
            var checkpoint = ReadLong(reader, "max_wal_bytes") ?? (ReadLong(reader, "checkpoint_segments") is { } segments ? (2 * segments + 1) * segment : null);
            var archiver = ReadString(reader, "last_archived_wal") is not null || ReadLong(reader, "failed_count") is not null
                ? new ArchiverFacts(ReadString(reader, "last_archived_wal"), ReadTime(reader, "last_archived_time"), ReadString(reader, "last_failed_wal"),
                    ReadTime(reader, "last_failed_time"), ReadLong(reader, "failed_count") ?? 0, ReadInt(reader, "archive_ready_files"))
                : null;
            var wal = new WalFacts(segment, keep, checkpoint, ReadLong(reader, "wal_dir_bytes"), ReadString(reader, "current_wal_file"),
                ReadString(reader, "archive_mode") ?? "off", [], archiver);

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            var slots = new List<ReplicationSlotFacts>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                slots.Add(new ReplicationSlotFacts(ReadString(reader, "slot_name") ?? "", ReadString(reader, "slot_type") ?? "",
                    !reader.IsDBNull(reader.GetOrdinal("active")) && reader.GetBoolean(reader.GetOrdinal("active")),
                    ReadLsn(reader, "restart_lsn"), ReadString(reader, "wal_status"), ReadLong(reader, "safe_wal_size")));

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            var prepared = new List<PreparedTransaction>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                prepared.Add(new PreparedTransaction(ReadString(reader, "gid") ?? "", ReadString(reader, "xid") ?? "",
                    ReadTime(reader, "prepared") ?? DateTimeOffset.MinValue, ReadString(reader, "owner") ?? "", ReadString(reader, "database") ?? "")
                {
                    Age = ReadSeconds(reader, "age_seconds") ?? TimeSpan.Zero,
                });
            return facts with { Wal = wal with { Slots = slots }, Prepared = prepared };
        }
        catch (PostgresException e)
        {
            return facts with { WatchError = $"{e.SqlState}: {e.MessageText}" };
        }
    }

    private static long? ReadLong(NpgsqlDataReader reader, string column)
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);
    }

    private static DateTimeOffset? ReadTime(NpgsqlDataReader reader, string column)
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc));
    }

    private static string? ReadString(NpgsqlDataReader reader, string column)
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
    }

    private static int? ReadInt(NpgsqlDataReader reader, string column)
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);
    }

    private static Lsn? ReadLsn(NpgsqlDataReader reader, string column) =>
        ReadString(reader, column) is { } text && Lsn.TryParse(text, out var lsn) ? lsn : null;

    /// <summary>Seconds as a duration. Slightly negative is clock skew between hosts (zero); far negative is
    /// not a delay at all (Postgres-XC stamps replayed transactions with GTM time: -849343724 s was
    /// measured), so it reads as unknown.</summary>
    private static TimeSpan? ReadSeconds(NpgsqlDataReader reader, string column)
    {
        var ordinal = reader.GetOrdinal(column);
        if (reader.IsDBNull(ordinal)) return null;
        var seconds = reader.GetDouble(ordinal);
        if (double.IsNaN(seconds) || seconds < -60 || seconds > TimeSpan.MaxValue.TotalSeconds / 2) return null;
        return TimeSpan.FromSeconds(Math.Max(0, seconds));
    }
}
