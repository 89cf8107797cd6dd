namespace PgxcBot.IntegrationTests.Operations;

public sealed class SyncAsyncTests : OperationLabTest
{
    [Fact]
    public async Task Async_releases_commits_blocked_by_a_dead_sync_slave_and_sync_comes_back_once_it_streams_again()
    {
        await Lab.ObserveAsync(Ct);
        await Lab.Pair.Slave.KillAsync(Ct);

        // A commit now waits for a standby that is gone.
        await using var connection = new NpgsqlConnection(Lab.Pair.Master.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(Ct);
        await using var create = new NpgsqlCommand("CREATE TABLE t (id int)", connection);
        var blocked = create.ExecuteNonQueryAsync(Ct);
        var seen = await Support.Poll.UntilAsync(() => Lab.ObserveAsync(Ct), a => a.Pairs[0].CommitsBlocked, Deadline, "the blocked commit", Ct);
        Assert.False(blocked.IsCompleted);

        // Releasing blocked commits lowers nothing: no approval is needed.
        var async = (await Lab.Service.RequestAsync("async", "datanode1", [], OperationHarness.Alice, Ct)).Operation!;
        Assert.Equal(OperationState.Succeeded, async.State);
        await blocked.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal("", await Lab.QueryAsync<string>(Lab.Pair.Master, "SHOW synchronous_standby_names", Ct));
        Assert.NotNull(seen);

        // Sync is refused while the slave is down, and works once it streams again.
        var refused = await Lab.Service.RequestAsync("sync", "datanode1", [], OperationHarness.Alice, Ct);
        Assert.Contains("would block every commit", refused.Refusal);

        await Lab.Pair.Slave.StartAsync(Ct);
        await Support.Poll.UntilAsync(() => Lab.ObserveAsync(Ct), a => a.Pairs[0].Condition == ObservedCondition.Async,
            Deadline, "the restarted slave to stream (asynchronously)", Ct);
        var sync = (await Lab.Service.RequestAsync("sync", "datanode1", [], OperationHarness.Alice, Ct)).Operation!;
        Assert.True(sync.State == OperationState.Succeeded, sync.Result);
        Assert.Equal("sync", await Lab.QueryAsync<string>(Lab.Pair.Master,
            $"SELECT sync_state FROM pg_stat_replication WHERE application_name = '{Lab.Pair.ApplicationName}'", Ct));
        Assert.Equal(ObservedCondition.Sync, (await Lab.ObserveAsync(Ct)).Pairs[0].Condition);
    }

    [Fact]
    public async Task Promote_of_a_slave_that_was_not_in_sync_is_refused_unless_data_loss_is_accepted()
    {
        await Lab.Pair.SetModeAsync(LabReplicationMode.Async, Deadline, Ct);
        await Support.Poll.UntilAsync(() => Lab.ObserveAsync(Ct), a => a.Pairs[0].Condition == ObservedCondition.Async, Deadline, "async", Ct);
        // The asynchronous slave really lacks acknowledged commits when the master dies (the bot reads the dead
        // master's WAL end, so a slave that happened to have every byte would rightly be called safe): it is frozen,
        // the master acknowledges more WAL than the kernel's socket buffers hold (so none waits unread for the slave).
        await Lab.Pair.Slave.FreezeAsync(Ct);
        await Lab.QueryAsync<int>(Lab.Pair.Master, "CREATE TABLE filler AS SELECT repeat('x', 1000) AS pad FROM generate_series(1, 30000); SELECT 1", Ct);
        await Lab.Pair.Master.KillAsync(Ct);
        await Lab.Pair.Slave.ThawAsync(Ct);
        await Support.Poll.UntilAsync(() => Lab.ObserveAsync(Ct), a => a.Pairs[0].Condition == ObservedCondition.MasterLost, Deadline, "the master to be seen lost", Ct);

        var refused = await Lab.Service.RequestAsync("promote", "datanode1", [], OperationHarness.Alice, Ct);
        Assert.Contains("not in sync", refused.Refusal);
        Assert.Matches(@"it was \d+(\.\d)? (bytes|kB|MB|GB) behind", refused.Refusal); // from the last sighting of the master
        Assert.Contains("--accept-data-loss", refused.NextStep);

        var accepted = (await Lab.Service.RequestAsync("promote", "datanode1", [OperationService.AcceptDataLoss], OperationHarness.Alice, Ct)).Operation!;
        Assert.Equal(OperationState.AwaitingApproval, accepted.State);
        Assert.Contains(accepted.Plan.Warnings, w => w.StartsWith("DATA LOSS ACCEPTED", StringComparison.Ordinal));
    }
}
