using PgxcBot.IntegrationTests.Cli;
using PgxcBot.IntegrationTests.Observation;

namespace PgxcBot.IntegrationTests.Assessment;

/// <summary>What fills a master's disk, on a real PostgreSQL 15 pair: an inactive replication slot holding WAL.</summary>
public sealed class WalRetentionTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));
    private StatusLab _lab = null!;
    private CancellationToken Ct => _timeout.Token;

    public async Task InitializeAsync() => _lab = await StatusLab.StartAsync(LabReplicationMode.Sync, Ct);

    public async Task DisposeAsync()
    {
        await _lab.DisposeAsync();
        _timeout.Dispose();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_lab.Datanode1.Master.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    [Fact]
    public async Task An_inactive_slot_holding_wal_is_reported_with_its_size_thresholds_and_the_drop_command_and_clears_when_dropped()
    {
        var healthy = await _lab.AssessAsync(Ct);
        Assert.DoesNotContain(healthy.AllProblems, p => AlertRules.KindOf(p.Code) == AlertKinds.WalRetention);
        var wal = healthy.MasterProbe("datanode1").Facts!.Wal!;
        // PostgreSQL 15 reads its sizes through pg_size_bytes(current_setting(...)): the same bytes as pg_settings says.
        var connectionString = _lab.Datanode1.Master.ConnectionString;
        Assert.Equal(await PgSettings.BytesAsync(connectionString, "wal_segment_size", Ct), wal.SegmentBytes);
        Assert.Equal(await PgSettings.BytesAsync(connectionString, "wal_keep_size", Ct), wal.KeepBytes);
        Assert.Equal(await PgSettings.BytesAsync(connectionString, "max_wal_size", Ct), wal.CheckpointBytes);

        // A slot reserved now and never used, then three segments' worth of writes.
        await ExecuteAsync("SELECT pg_create_physical_replication_slot('forgotten', true)");
        for (var i = 0; i < 3; i++)
            await ExecuteAsync("CREATE TABLE IF NOT EXISTS filler (x text); INSERT INTO filler SELECT repeat('x', 500) FROM generate_series(1, 2000); SELECT pg_switch_wal();");

        var held = await _lab.AssessUntilAsync(a => a.AllProblems.Any(p => p.Code == ProblemCodes.WalSlotRetaining), "the slot to be reported", Ct);
        var slot = Assert.Single(held.AllProblems, p => p.Code == ProblemCodes.WalSlotRetaining);
        Assert.Equal(Severity.Warning, slot.Severity);
        Assert.Contains("the inactive replication slot 'forgotten' (physical) holds", slot.Sentence);
        Assert.Contains("nothing consumes it, so the master keeps every new segment", slot.Sentence);
        Assert.Contains("Nothing limits it (no max_slot_wal_keep_size)", slot.Sentence);
        Assert.Contains("SELECT pg_drop_replication_slot('forgotten');", slot.NextStep);
        var facts = held.MasterProbe("datanode1").Facts!;
        var retained = facts.CurrentWalLsn!.Value.BytesAfter(Assert.Single(facts.Wal!.Slots).RestartLsn!.Value);
        Assert.True(retained >= 3 * facts.Wal.SegmentBytes, $"retained {retained} bytes");
        Assert.True(facts.Wal.OnDiskBytes >= 3 * facts.Wal.SegmentBytes, $"pg_wal holds {facts.Wal.OnDiskBytes} bytes");
        var alert = Assert.Single(AlertRules.From(held), c => c.Kind == AlertKinds.WalRetention);
        Assert.Equal("datanode1: WAL piling up on the master", alert.Title);

        // Lower thresholds: what the slot holds and the directory's size are critical, with the causes named.
        var strict = _lab.Topology with
        {
            Monitor = _lab.Topology.Monitor with { WalRetainedWarningBytes = 8L << 20, WalRetainedCriticalBytes = 32L << 20 },
        };
        var critical = await _lab.AssessAsync(Ct, strict);
        Assert.Equal(Severity.Critical, critical.AllProblems.Single(p => p.Code == ProblemCodes.WalSlotRetaining).Severity);
        var directory = Assert.Single(critical.AllProblems, p => p.Code == ProblemCodes.WalRetained);
        Assert.Contains("inactive replication slot 'forgotten' (physical) holds", directory.Sentence);
        Assert.Contains("wal_keep keeps 64 MB", directory.Sentence);
        Assert.Equal(Severity.Critical, Assert.Single(AlertRules.From(critical), c => c.Kind == AlertKinds.WalRetention).Severity);

        await ExecuteAsync("SELECT pg_drop_replication_slot('forgotten')");
        await _lab.AssessUntilAsync(a => !a.AllProblems.Any(p => p.Code == ProblemCodes.WalSlotRetaining), "the slot's problem to clear", Ct);
    }
}
