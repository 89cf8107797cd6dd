using PgxcBot.Core.Observation;
using PgxcBot.IntegrationTests.Observation;

namespace PgxcBot.IntegrationTests.Gtm;

/// <summary>
/// The WAL and prepared-transaction watch on real Postgres-XC 1.2 (PostgreSQL 9.3: no slots, no pg_stat_archiver,
/// xlog names) and Postgres-XL 10r1.1 (PostgreSQL 10) datanodes: the version-aware SQL reads without error, and
/// what each version can say is said.
/// </summary>
public sealed class RealWatchTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(4);

    [XcGtmFact]
    public Task Xc_datanode_answers_the_watch_as_9_3() => WatchAsync(Flavor.PostgresXc);

    [XlGtmFact]
    public Task Xl_datanode_answers_the_watch_as_10_and_a_failing_archiver_is_reported() => WatchAsync(Flavor.PostgresXl);

    private async Task WatchAsync(Flavor flavor)
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var lab = await RealGtmLab.StartAsync(flavor, cts.Token);
        var datanode = await lab.StartDatanodeAsync("datanode1", "datanode1", cts.Token,
            ["max_prepared_transactions = 10", "wal_level = hot_standby", "archive_mode = on", "archive_command = 'false'"]);
        var location = new ServerLocation("node01", "127.0.0.1", datanode.Port, datanode.DataDir);
        var topology = new ClusterTopology(flavor, [], [new DatanodePair("datanode1", location, null, "datanode1_slave", null)], [],
            new DatabaseCredentials("postgres", "postgres", null), LabTopology.FastMonitor, "unused");
        await using var observer = ObserverHarness.Create();

        // A prepared transaction, as a client would leave one (a datanode takes no writes without a coordinator).
        var connectionString = $"Host=127.0.0.1;Port={datanode.Port};Username=postgres;Database=postgres;Pooling=false;Server Compatibility Mode=NoTypeLoading";
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(cts.Token);
            await using var command = new NpgsqlCommand("BEGIN; SELECT 1; PREPARE TRANSACTION 'left_by_a_client'", connection);
            await command.ExecuteNonQueryAsync(cts.Token);
            if (flavor == Flavor.PostgresXl)
            {
                await using var switchWal = new NpgsqlCommand("SELECT pg_switch_wal()", connection);
                await switchWal.ExecuteNonQueryAsync(cts.Token);
            }
        }

        var snapshot = await observer.ObserveUntilAsync(topology,
            s => s.Pair("datanode1").Master.Facts is { Wal: not null } f && (flavor == Flavor.PostgresXc || f.Wal.Archiver is { Failing: true }),
            "the watch to read (and, on XL, the archiver to fail)", cts.Token);
        var facts = snapshot.Pair("datanode1").Master.Facts!;
        output.WriteLine($"{flavor}: version {facts.ServerVersionNum}, wal {facts.Wal}, prepared {string.Join(", ", facts.Prepared)}");
        Assert.Null(facts.WatchError);
        var wal = facts.Wal!;
        Assert.Equal(16L << 20, wal.SegmentBytes);
        // The settings as pg_settings gives them (value and unit), against what the probe read its own cheaper way.
        var keepSegments = await PgSettings.BytesAsync(connectionString, "wal_keep_segments", cts.Token);
        Assert.Equal(keepSegments * wal.SegmentBytes, wal.KeepBytes);
        var checkpointBytes = flavor == Flavor.PostgresXc
            ? (2 * await PgSettings.BytesAsync(connectionString, "checkpoint_segments", cts.Token) + 1) * wal.SegmentBytes
            : await PgSettings.BytesAsync(connectionString, "max_wal_size", cts.Token);
        Assert.Equal(checkpointBytes, wal.CheckpointBytes);
        Assert.True(wal.OnDiskBytes > 0, "the bot's superuser lists the WAL directory");
        Assert.NotNull(wal.CurrentWalFile);
        Assert.Equal("on", wal.ArchiveMode);
        var prepared = Assert.Single(facts.Prepared);
        Assert.Equal("left_by_a_client", prepared.Gid);
        Assert.Equal("postgres", prepared.Database);
        if (flavor == Flavor.PostgresXc)
        {
            Assert.Empty(wal.Slots); // 9.3 has no replication slots
            Assert.Null(wal.Archiver); // nor pg_stat_archiver
            Assert.NotNull(wal.CheckpointBytes); // checkpoint_segments
        }
        else
        {
            Assert.True(wal.Archiver!.Failing);
            var assessed = ClusterAssessor.Assess(topology, snapshot);
            Assert.Contains(assessed.AllProblems, p => p.Code == ProblemCodes.WalArchivingFailing);
        }
    }
}
