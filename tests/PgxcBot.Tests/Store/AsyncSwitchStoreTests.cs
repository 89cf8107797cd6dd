using PgxcBot.Tests.Support;
using Microsoft.Data.Sqlite;

namespace PgxcBot.Tests.Store;

/// <summary>
/// The monitor's async switch records keep the phase names earlier bots stored (Degrading, Degraded, Resyncing):
/// a store written before the rename to <see cref="AsyncSwitchPhase"/> must still read after an upgrade, and a
/// store written after it must still read after a downgrade.
/// </summary>
public sealed class AsyncSwitchStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 3, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-switch-").FullName;
    private string DbPath => Path.Combine(_dir, "state.db");
    private static CancellationToken Ct => CancellationToken.None;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(AsyncSwitchPhase.SwitchingToAsync, "Degrading")]
    [InlineData(AsyncSwitchPhase.SwitchedToAsync, "Degraded")]
    [InlineData(AsyncSwitchPhase.SwitchingToSync, "Resyncing")]
    [InlineData(AsyncSwitchPhase.Offered, "Offered")]
    [InlineData(AsyncSwitchPhase.Failed, "Failed")]
    public async Task A_phase_is_stored_under_the_name_earlier_bots_wrote_and_reads_back(AsyncSwitchPhase phase, string stored)
    {
        var monitor = new SqliteMonitorStore(await SqliteStore.OpenAsync(DbPath, null, Ct), TimeProvider.System);
        await monitor.SaveRoundAsync(new MonitorRound([], [new AsyncSwitchRecord("datanode1", phase, T0, "test", T0, null, null, null)], [], []), Ct);

        Assert.Contains($"\"phase\":\"{stored}\"", await StoredDocumentAsync("datanode1"));
        Assert.Equal(phase, Assert.Single(await monitor.GetAsyncSwitchRecordsAsync(Ct)).Phase);
    }

    [Fact]
    public async Task A_record_written_by_an_earlier_bot_reads_as_switched_to_async()
    {
        var monitor = new SqliteMonitorStore(await SqliteStore.OpenAsync(DbPath, null, Ct), TimeProvider.System);
        await InsertAsync("datanode2", """
            {"datanode":"datanode2","phase":"Degraded","lostAt":"2026-11-26T03:00:00+00:00","lostEvidence":"its last reply",
             "blockedSeenAt":"2026-11-26T03:00:01+00:00","releasedAt":"2026-11-26T03:00:02+00:00","operationId":7,"retryAfter":null}
            """);

        var record = Assert.Single(await monitor.GetAsyncSwitchRecordsAsync(Ct));

        Assert.Equal(AsyncSwitchPhase.SwitchedToAsync, record.Phase);
        Assert.Equal(7, record.OperationId);
        Assert.Equal(TimeSpan.FromSeconds(2), record.BlockedFor); // no firstWaitAt (older bot): counted from the loss
    }

    private async Task<string> StoredDocumentAsync(string datanode)
    {
        await using var connection = await SqliteFile.OpenAsync(DbPath, Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT document FROM monitor_degrade WHERE datanode = $d;";
        command.Parameters.AddWithValue("$d", datanode);
        return (string)(await command.ExecuteScalarAsync(Ct))!;
    }

    private async Task InsertAsync(string datanode, string document)
    {
        await using var connection = await SqliteFile.OpenAsync(DbPath, Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO monitor_degrade (datanode, updated_at, document) VALUES ($d, '2026-11-26T03:00:02Z', $doc);";
        command.Parameters.AddWithValue("$d", datanode);
        command.Parameters.AddWithValue("$doc", document);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
