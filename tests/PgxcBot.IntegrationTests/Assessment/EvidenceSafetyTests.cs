using PgxcBot.IntegrationTests.Operations;

namespace PgxcBot.IntegrationTests.Assessment;

/// <summary>
/// Issue 11's field cases on real PostgreSQL 15 pairs: "safe", "in sync" and "no loss" only from what the
/// servers prove. Every promote the bot does not demand --accept-data-loss for keeps every acknowledged row.
/// </summary>
public sealed class EvidenceSafetyTests : OperationLabTest
{
    [Fact]
    public async Task A_second_client_named_like_the_slave_is_never_taken_for_it_and_the_promote_after_it_demands_accepting_the_loss()
    {
        Assert.Equal(ObservedCondition.Sync, (await Lab.ObserveAsync(Ct)).Pairs[0].Condition);

        // The impostor takes the slave's place as synchronous standby: the slave is pointed nowhere for a
        // moment, the impostor connects (first in the master's WAL sender slots, so the synchronous one
        // among equals), then the slave follows the master again.
        var master = Lab.Pair.Master;
        await ExecuteAsync(Lab.Pair.Slave.ConnectionString, "ALTER SYSTEM SET primary_conninfo = ''", "SELECT pg_reload_conf()");
        await Poll.UntilAsync(() => Lab.ObserveAsync(Ct), a => a.Snapshot.Pairs[0].Master.Facts?.Replication.Count == 0, Deadline, "the slave to disconnect", Ct);
        await using var impostor = LabReplicationClient.Start(Lab.Pair, Lab.Pair.ApplicationName);
        await Poll.UntilAsync(() => Lab.ObserveAsync(Ct), a => a.Snapshot.Pairs[0].Master.Facts?.Replication.Any(r => r.SyncState == "sync") == true,
            Deadline, "the impostor to be the synchronous standby", Ct);
        await ExecuteAsync(Lab.Pair.Slave.ConnectionString,
            $"ALTER SYSTEM SET primary_conninfo = 'host={master.Address} port={master.Port} user=postgres application_name={Lab.Pair.ApplicationName}'",
            "SELECT pg_reload_conf()");
        var both = await Poll.UntilAsync(() => Lab.ObserveAsync(Ct),
            a => a.Snapshot.Pairs[0].Master.Facts?.Replication.Count(r => r.State == "streaming") == 2, Deadline, "two WAL senders named like the slave", Ct);
        var pair = both.Pairs[0];
        Assert.NotEqual(ObservedCondition.Sync, pair.Condition);
        Assert.False(pair.SlaveInSync);
        Assert.Contains(pair.Problems, p => p.Code == ProblemCodes.ReplicationClientConflict && p.Severity == Severity.Critical);

        // The slave freezes; commits go on, confirmed by the impostor alone.
        await using var writer = await LedgerWriter.StartAsync(Lab, Ct);
        await Poll.UntilAsync(() => Task.FromResult(writer.Count), n => n >= 50, Deadline, "50 commits", Ct);
        await Lab.Pair.Slave.FreezeAsync(Ct);
        // More WAL than the kernel's socket buffers hold, so the frozen slave cannot have it waiting unread.
        await ExecuteAsync(master.ConnectionString, "CREATE TABLE filler AS SELECT repeat('x', 1000) AS pad FROM generate_series(1, 30000)");
        var before = writer.Count;
        await Poll.UntilAsync(() => Task.FromResult(writer.Count), n => n >= before + 100, Deadline, "100 more commits acknowledged while the slave is frozen", Ct);
        await Lab.ObserveAsync(Ct); // the master's last sighting
        await Lab.Pair.Master.KillAsync(Ct);
        await writer.Stopped.WaitAsync(Deadline, Ct);
        await Lab.Pair.Slave.ThawAsync(Ct);

        var lost = await Poll.UntilAsync(() => Lab.ObserveAsync(Ct), a => a.Pairs[0].Condition == ObservedCondition.MasterLost, Deadline, "the master seen lost", Ct);
        var verdict = lost.Pairs[0].Promote!;
        Assert.False(verdict.Safe, verdict.Summary);
        Assert.True(verdict.MissingBytes > 0, verdict.Summary);
        var alert = Assert.Single(lost.Pairs[0].Problems, p => p.Code == ProblemCodes.MasterUnreachable);
        Assert.DoesNotContain("is safe", alert.Sentence);
        Assert.Contains("--accept-data-loss", alert.NextStep);

        var refused = await Lab.Service.RequestAsync("promote", "datanode1", [], OperationHarness.Alice, Ct);
        Assert.True(refused.Refusal is not null, "a promote without --accept-data-loss must be refused");
        Assert.Contains("--accept-data-loss", refused.NextStep);

        // Accepted explicitly, the promote runs, and what the slave never received is indeed gone: the
        // demand was right.
        var requested = (await Lab.Service.RequestAsync("promote", "datanode1", [OperationService.AcceptDataLoss], OperationHarness.Alice, Ct)).Operation!;
        Assert.Contains(requested.Plan.Warnings, w => w.Contains("DATA LOSS ACCEPTED", StringComparison.Ordinal));
        var done = (await Lab.Service.ApproveAsync(requested.Id, requested.Nonce, OperationHarness.Bob, [OperationService.AcceptDataLoss], Ct)).Operation!;
        Assert.True(done.State == OperationState.Succeeded, Explain(done));
        Assert.True(await writer.CountOnAsync(Lab, Lab.Pair.Slave, Ct) < writer.Count, "the frozen slave cannot have the rows the impostor confirmed");
    }

    [Fact]
    public async Task A_rule_needing_more_standbys_than_stream_blocks_commits_and_the_async_switch_releases_them()
    {
        await ExecuteAsync(Lab.Pair.Master.ConnectionString,
            "ALTER SYSTEM SET synchronous_standby_names = '2 (datanode1_slave, datanode1_spare)'", "SELECT pg_reload_conf()");
        var commit = ExecuteAsync(Lab.Pair.Master.ConnectionString, "CREATE TABLE blocked (id int)");

        var blocked = await Poll.UntilAsync(() => Lab.ObserveAsync(Ct), a => a.Pairs[0].CommitsBlocked, Deadline, "commits blocked", Ct);
        var problem = Assert.Single(blocked.Pairs[0].Problems, p => p.Code == ProblemCodes.CommitsBlocked);
        Assert.Contains("needs 2 synchronous standby(s)", problem.Sentence);
        Assert.Equal("/pgxc async datanode1", problem.NextStep);
        Assert.False(commit.IsCompleted);

        // Nothing is acknowledged while blocked, so releasing lowers no durability: no approval needed.
        var released = (await Lab.Service.RequestAsync("async", "datanode1", [], OperationHarness.Alice, Ct)).Operation!;
        Assert.True(released.State == OperationState.Succeeded, Explain(released));
        await commit.WaitAsync(Deadline, Ct);
    }

    [Fact]
    public async Task A_slave_streaming_under_another_name_is_told_how_to_fix_it_and_sync_says_why_it_cannot()
    {
        var master = Lab.Pair.Master;
        await ExecuteAsync(Lab.Pair.Slave.ConnectionString,
            $"ALTER SYSTEM SET primary_conninfo = 'host={master.Address} port={master.Port} user=postgres application_name=dn1_replica'",
            "SELECT pg_reload_conf()");

        var renamed = await Poll.UntilAsync(() => Lab.ObserveAsync(Ct),
            a => a.Snapshot.Pairs[0].Master.Facts?.Replication.Any(r => r.ApplicationName == "dn1_replica" && r.State == "streaming") == true,
            Deadline, "the slave streaming as dn1_replica", Ct);
        var pair = renamed.Pairs[0];
        Assert.NotEqual(ObservedCondition.SlaveLost, pair.Condition);
        var mismatch = Assert.Single(pair.Problems, p => p.Code == ProblemCodes.SlaveNameMismatch);
        Assert.Contains("streams as 'dn1_replica'", mismatch.Sentence);
        Assert.Contains("application_name=datanode1_slave", mismatch.NextStep);
        Assert.Contains("ALTER SYSTEM SET primary_conninfo", mismatch.NextStep);
        Assert.DoesNotContain(pair.Problems, p => p.NextStep.StartsWith("Start the slave", StringComparison.Ordinal));

        var sync = await Lab.Service.RequestAsync("sync", "datanode1", [], OperationHarness.Alice, Ct);
        Assert.Contains("streams as 'dn1_replica'", sync.Refusal);
    }

    [Fact]
    public async Task Repoint_after_a_switch_behind_the_bots_back_routes_to_the_writable_server_not_the_stored_master()
    {
        await Lab.ObserveAsync(Ct);
        // An operator promoted the slave by hand and stopped the old master; the bot's records still say the old one.
        await Lab.Pair.Master.StopAsync(Ct);
        await Lab.Pair.PromoteSlaveAsync(Ct);

        var repoint = (await Lab.Service.RequestAsync("repoint", "datanode1", [], OperationHarness.Alice, Ct)).Operation!;

        Assert.True(repoint.State == OperationState.Succeeded, Explain(repoint));
        Assert.Contains(repoint.Plan.Warnings, w => w.Contains($"answers writable now is {Lab.Pair.Slave.Address}:{Lab.Pair.Slave.Port}", StringComparison.Ordinal));
        foreach (var coordinator in Lab.Coordinators)
            Assert.Equal($"datanode1|{Lab.Pair.Slave.Port}|f", await OperationHarness.IdentityThroughAsync(coordinator, Ct));
        var roles = Assert.Single(await new PgxcBot.Store.SqliteTopologyStore(Lab.Store).GetRolesAsync(Ct));
        Assert.Equal(Lab.Pair.Slave.Port, roles.Master.Port);
    }

    [Fact]
    public async Task A_frozen_master_is_warned_about_in_the_plan_and_a_fence_that_timed_out_says_it_may_still_take_effect()
    {
        await Lab.ObserveAsync(Ct);
        await Lab.Pair.Master.FreezeAsync(Ct);
        var frozen = await Lab.ObserveAsync(Ct);
        Assert.NotEqual(ObservedCondition.Sync, frozen.Pairs[0].Condition);

        var requested = await Lab.Service.RequestAsync("promote", "datanode1", [OperationService.AcceptDataLoss], OperationHarness.Alice, Ct);
        var operation = requested.Operation!;
        Assert.Contains(operation.Plan.Warnings, w => w.Contains("may still be running", StringComparison.Ordinal));

        var failed = (await Lab.Service.ApproveAsync(operation.Id, operation.Nonce, OperationHarness.Bob, [OperationService.AcceptDataLoss], Ct)).Operation!;
        Assert.Equal(OperationState.Failed, failed.State);
        Assert.Equal(Core.Runbooks.StepStatus.Failed, failed.Steps.Single(s => s.StepId == "fence-stop-old-master").Status);
        Assert.Equal(Core.Runbooks.StepStatus.Pending, failed.Steps.Single(s => s.StepId == "promote-slave").Status);
        Assert.Contains("may still take effect", failed.Result);
        Assert.Contains("/pgxc status datanode1", failed.Result);
        Assert.True(await Lab.QueryAsync<bool>(Lab.Pair.Slave, "SELECT pg_is_in_recovery()", Ct), "the slave must not have been promoted");

        // And it does: the queued stop takes effect once the master wakes.
        await Lab.Pair.Master.ThawAsync(Ct);
        await Poll.UntilAsync(() => Task.FromResult(Lab.Pair.Master.IsRunning), running => !running, Deadline, "the woken master to stop", Ct);
    }

    [Fact]
    public async Task A_dead_masters_wal_end_is_read_past_the_segments_a_checkpoint_recycled_under_future_names()
    {
        // Segments switched and a checkpoint: the old ones are renamed ahead of the current one (recycled), so
        // the newest name holds no valid WAL (measured: "could not find a valid record after 0/A000000").
        var master = Lab.Pair.Master;
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 4; i++)
                await ExecuteAsync(master.ConnectionString, "CREATE TABLE IF NOT EXISTS churn (n int)", "INSERT INTO churn VALUES (1)", "SELECT pg_switch_wal()");
            await ExecuteAsync(master.ConnectionString, "CHECKPOINT");
        }
        await ExecuteAsync(master.ConnectionString, "INSERT INTO churn VALUES (2)");
        var flushed = Core.Observation.Lsn.Parse(await Lab.QueryAsync<string>(master, "SELECT pg_current_wal_flush_lsn()::text", Ct));
        var current = await Lab.QueryAsync<string>(master, "SELECT pg_walfile_name(pg_current_wal_flush_lsn())", Ct);
        Assert.Contains(Directory.GetFiles(Path.Combine(master.DataDir, "pg_wal")), f => string.CompareOrdinal(Path.GetFileName(f), current) > 0 && Path.GetFileName(f).Length == 24);

        await master.KillAsync(Ct);
        // The host's observer: SQL, and the shell (over SSH) where SQL cannot answer (a refused port).
        var topology = await Lab.TopologyState.CurrentAsync(Ct);
        var dead = await Poll.UntilAsync(() => Lab.Observer.ObserveAsync(topology, Ct), s => s.Pairs[0].Master.Process is { PostmasterRunning: false }, Deadline,
            "the master seen dead on its host", Ct);
        var end = dead.Pairs[0].Master.Process!.WalEnd ?? throw new Xunit.Sdk.XunitException($"no WAL end read: {dead.Pairs[0].Master.Process}");
        // Everything flushed before the kill is before the end; at most what the server wrote on its own since
        // (a running-transactions record, a checkpoint's) after it, never a recycled segment's old contents.
        Assert.True(end >= flushed, $"WAL end {end} before the flushed {flushed}");
        Assert.True(end.BytesAfter(flushed) < 1024 * 1024, $"WAL end {end} far past the flushed {flushed}");
    }

    private static async Task ExecuteAsync(string connectionString, params string[] statements)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync();
        }
    }
}
