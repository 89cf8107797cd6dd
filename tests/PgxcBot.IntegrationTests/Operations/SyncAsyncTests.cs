using Npgsql;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Operations;
using PgxcBot.Lab.Pairs;

namespace PgxcBot.IntegrationTests.Operations;

public sealed class SyncAsyncTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private OperationHarness _lab = null!;
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));
    private CancellationToken Ct => _timeout.Token;

    public async Task InitializeAsync() => _lab = await OperationHarness.StartAsync(LabReplicationMode.Sync, Ct);

    public async Task DisposeAsync()
    {
        await _lab.DisposeAsync();
        _timeout.Dispose();
    }

    [Fact]
    public async Task Async_releases_commits_blocked_by_a_dead_sync_slave_and_sync_comes_back_once_it_streams_again()
    {
        await _lab.ObserveAsync(Ct);
        await _lab.Pair.Slave.KillAsync(Ct);

        // A commit now waits for a standby that is gone.
        await using var connection = new NpgsqlConnection(_lab.Pair.Master.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(Ct);
        await using var create = new NpgsqlCommand("CREATE TABLE t (id int)", connection);
        var blocked = create.ExecuteNonQueryAsync(Ct);
        var seen = await Support.Poll.UntilAsync(() => _lab.ObserveAsync(Ct), a => a.Pairs[0].CommitsBlocked, Deadline, "the blocked commit", Ct);
        Assert.False(blocked.IsCompleted);

        // Releasing blocked commits lowers nothing: no approval is needed.
        var async = (await _lab.Service.RequestAsync("async", "datanode1", [], OperationHarness.Alice, Ct)).Operation!;
        Assert.Equal(OperationState.Succeeded, async.State);
        await blocked.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal("", await _lab.QueryAsync<string>(_lab.Pair.Master, "SHOW synchronous_standby_names", Ct));
        Assert.NotNull(seen);

        // Sync is refused while the slave is down, and works once it streams again.
        var refused = await _lab.Service.RequestAsync("sync", "datanode1", [], OperationHarness.Alice, Ct);
        Assert.Contains("would block every commit", refused.Refusal);

        await _lab.Pair.Slave.StartAsync(Ct);
        await Support.Poll.UntilAsync(() => _lab.ObserveAsync(Ct), a => a.Pairs[0].Condition == ObservedCondition.Async,
            Deadline, "the restarted slave to stream (asynchronously)", Ct);
        var sync = (await _lab.Service.RequestAsync("sync", "datanode1", [], OperationHarness.Alice, Ct)).Operation!;
        Assert.True(sync.State == OperationState.Succeeded, sync.Result);
        Assert.Equal("sync", await _lab.QueryAsync<string>(_lab.Pair.Master,
            $"SELECT sync_state FROM pg_stat_replication WHERE application_name = '{_lab.Pair.ApplicationName}'", Ct));
        Assert.Equal(ObservedCondition.Sync, (await _lab.ObserveAsync(Ct)).Pairs[0].Condition);
    }

    [Fact]
    public async Task Promote_of_a_slave_that_was_not_in_sync_is_refused_unless_data_loss_is_accepted()
    {
        await _lab.Pair.SetModeAsync(LabReplicationMode.Async, Deadline, Ct);
        await Support.Poll.UntilAsync(() => _lab.ObserveAsync(Ct), a => a.Pairs[0].Condition == ObservedCondition.Async, Deadline, "async", Ct);
        await _lab.Pair.Master.KillAsync(Ct);
        await Support.Poll.UntilAsync(() => _lab.ObserveAsync(Ct), a => a.Pairs[0].Condition == ObservedCondition.MasterLost,
            Deadline, "the master to be seen lost", Ct);

        var refused = await _lab.Service.RequestAsync("promote", "datanode1", [], OperationHarness.Alice, Ct);
        Assert.Contains("not in sync", refused.Refusal);
        Assert.Contains("--accept-data-loss", refused.NextStep);

        var accepted = (await _lab.Service.RequestAsync("promote", "datanode1", [OperationService.AcceptDataLoss], OperationHarness.Alice, Ct)).Operation!;
        Assert.Equal(OperationState.AwaitingApproval, accepted.State);
        Assert.Contains(accepted.Plan.Warnings, w => w.StartsWith("DATA LOSS ACCEPTED", StringComparison.Ordinal));
    }
}
