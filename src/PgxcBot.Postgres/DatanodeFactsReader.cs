using Npgsql;
using PgxcBot.Core.Observation;

namespace PgxcBot.Postgres;

/// <summary>Reads a datanode server's facts (<see cref="ProbeSql"/>) on an open connection.</summary>
internal static class DatanodeFactsReader
{
    public static async Task<ServerFacts> ReadFactsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var version = connection.PostgreSqlVersion;
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(ProbeSql.Facts(version)),
                new NpgsqlBatchCommand(ProbeSql.Replication(version)),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);

        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            throw new InvalidOperationException("the server facts query returned no row");
        var inRecovery = reader.GetBoolean(2);
        var serverVersion = reader.GetString(0);
        var serverVersionNum = reader.GetInt32(1);
        var synchronousStandbyNames = reader.GetString(3);
        var synchronousCommit = reader.GetString(4);
        var currentLsn = ReadLsn(reader, 5);
        var standby = inRecovery
            ? new StandbyFacts(
                ReceiveLsn: ReadLsn(reader, 6),
                ReplayLsn: ReadLsn(reader, 7),
                ReplayDelay: ReadSeconds(reader, 8),
                WalReceiverStatus: reader.IsDBNull(9) ? null : reader.GetString(9),
                SenderHost: reader.IsDBNull(10) ? null : reader.GetString(10),
                SenderPort: reader.IsDBNull(11) ? null : reader.GetInt32(11))
            : null;
        var syncRepWaiters = reader.GetInt32(12);
        var systemIdentifier = reader.IsDBNull(13) ? null : reader.GetString(13);
        int? timeline = reader.IsDBNull(14) ? null : reader.GetInt32(14);

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var replication = new List<ReplicationRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            replication.Add(new ReplicationRow(
                ApplicationName: reader.IsDBNull(0) ? "" : reader.GetString(0),
                ClientAddress: reader.IsDBNull(1) ? null : reader.GetString(1),
                State: reader.IsDBNull(2) ? "" : reader.GetString(2),
                SyncState: reader.IsDBNull(3) ? "" : reader.GetString(3),
                SentLsn: ReadLsn(reader, 4),
                WriteLsn: ReadLsn(reader, 5),
                FlushLsn: ReadLsn(reader, 6),
                ReplayLsn: ReadLsn(reader, 7),
                WriteLag: ReadSeconds(reader, 8),
                FlushLag: ReadSeconds(reader, 9),
                ReplayLag: ReadSeconds(reader, 10),
                ReplyTime: reader.IsDBNull(11)
                    ? null
                    : new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(11), DateTimeKind.Utc))));
        }

        return new ServerFacts(serverVersion, serverVersionNum, inRecovery, synchronousStandbyNames, synchronousCommit,
            currentLsn, replication, standby, syncRepWaiters, systemIdentifier, timeline);
    }

    private static Lsn? ReadLsn(NpgsqlDataReader reader, int ordinal) =>
        !reader.IsDBNull(ordinal) && Lsn.TryParse(reader.GetString(ordinal), out var lsn) ? lsn : null;

    private static TimeSpan? ReadSeconds(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : TimeSpan.FromSeconds(Math.Max(0, reader.GetDouble(ordinal)));
}
