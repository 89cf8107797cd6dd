using PgxcBot.Lab.Faults;
using PgxcBot.Core.Observation;

namespace PgxcBot.IntegrationTests.Observation;

/// <summary>NpgsqlClusterObserver against real PostgreSQL 15 pairs built by the lab builder.</summary>
public sealed class ObserverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Sync_pair_shows_master_streaming_to_its_sync_slave()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Sync, cts.Token);
        await using var observer = ObserverHarness.Create();
        var before = TimeProvider.System.GetUtcNow();

        var snapshot = await observer.ObserveAsync(LabTopology.For(pair), cts.Token);

        Assert.InRange(snapshot.TakenAt, before.AddSeconds(-1), before.AddSeconds(5));
        Assert.Empty(snapshot.Coordinators);
        var observed = snapshot.Pair("datanode1");
        var master = observed.Master;
        Assert.Equal(ProbeStatus.Ok, master.Status);
        Assert.Equal(ServerRole.Master, master.Role);
        Assert.Null(master.Error);
        Assert.True(master.Elapsed > TimeSpan.Zero);
        var masterFacts = master.Facts!;
        Assert.False(masterFacts.InRecovery);
        Assert.StartsWith("15.", masterFacts.ServerVersion);
        Assert.InRange(masterFacts.ServerVersionNum, 150000, 159999);
        Assert.Equal(pair.ApplicationName, masterFacts.SynchronousStandbyNames);
        Assert.Equal("on", masterFacts.SynchronousCommit);
        Assert.NotNull(masterFacts.CurrentWalLsn);
        Assert.Null(masterFacts.Standby);
        Assert.Equal(0, masterFacts.SyncRepWaiters);
        Assert.Equal(1, masterFacts.Timeline);
        var row = Assert.Single(masterFacts.Replication);
        Assert.Equal(pair.ApplicationName, row.ApplicationName);
        Assert.Equal("127.0.0.1", row.ClientAddress);
        Assert.Equal("streaming", row.State);
        Assert.Equal("sync", row.SyncState);
        Assert.NotNull(row.FlushLsn);
        Assert.True(row.FlushLsn <= masterFacts.CurrentWalLsn);
        Assert.NotNull(row.ReplyTime);

        var slave = observed.Slave!;
        Assert.Equal(ProbeStatus.Ok, slave.Status);
        Assert.Equal(ServerRole.Slave, slave.Role);
        Assert.Equal(pair.Slave.Port, slave.Location.Port);
        var slaveFacts = slave.Facts!;
        Assert.True(slaveFacts.InRecovery);
        Assert.Null(slaveFacts.CurrentWalLsn);
        Assert.Empty(slaveFacts.Replication);
        Assert.Equal("streaming", slaveFacts.Standby!.WalReceiverStatus);
        Assert.Equal("127.0.0.1", slaveFacts.Standby.SenderHost);
        Assert.Equal(pair.Master.Port, slaveFacts.Standby.SenderPort);
        Assert.NotNull(slaveFacts.Standby.ReceiveLsn);
        Assert.NotNull(slaveFacts.Standby.ReplayLsn);
        Assert.Equal(1, slaveFacts.Timeline);
        Assert.NotNull(masterFacts.SystemIdentifier);
        Assert.Equal(masterFacts.SystemIdentifier, slaveFacts.SystemIdentifier);
    }

    [Fact]
    public async Task A_watch_read_the_role_may_not_make_leaves_every_other_fact_and_says_why()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Sync, cts.Token);
        await using var observer = ObserverHarness.Create();
        // A monitoring role as a DBA would make one, on a server where pg_prepared_xacts is not public (the last of
        // the probe's five reads): replicated to the slave like any DDL.
        await using (var connection = new NpgsqlConnection(pair.Master.ConnectionString))
        {
            await connection.OpenAsync(cts.Token);
            await using var command = new NpgsqlCommand(
                "CREATE ROLE pgxcbot_watcher LOGIN IN ROLE pg_monitor; REVOKE SELECT ON pg_catalog.pg_prepared_xacts FROM PUBLIC", connection);
            await command.ExecuteNonQueryAsync(cts.Token);
        }
        var topology = LabTopology.For(pair) with { Database = new DatabaseCredentials("pgxcbot_watcher", "postgres", null) };

        var snapshot = await observer.ObserveUntilAsync(topology,
            s => s.Pair("datanode1").Slave?.Facts?.WatchError is not null, "the slave to have the revoke", cts.Token);

        var master = snapshot.Pair("datanode1").Master;
        Assert.Equal(ProbeStatus.Ok, master.Status);
        var facts = master.Facts!;
        output.WriteLine($"watch error: {facts.WatchError}");
        Assert.StartsWith("42501: permission denied", facts.WatchError);
        Assert.Contains("pg_prepared_xacts", facts.WatchError);
        // Every fact read before it is there: the role, the position, the sync slave streaming.
        Assert.False(facts.InRecovery);
        Assert.NotNull(facts.CurrentWalLsn);
        Assert.Equal(pair.ApplicationName, facts.SynchronousStandbyNames);
        var row = Assert.Single(facts.Replication);
        Assert.Equal(("streaming", "sync"), (row.State, row.SyncState));
        Assert.Null(facts.Wal);
        var slave = snapshot.Pair("datanode1").Slave!.Facts!;
        Assert.True(slave.InRecovery);
        Assert.Equal("streaming", slave.Standby!.WalReceiverStatus);

        // And the same probe on the next poll, once the role may read it again: the watch is back.
        await using (var connection = new NpgsqlConnection(pair.Master.ConnectionString))
        {
            await connection.OpenAsync(cts.Token);
            await using var command = new NpgsqlCommand("GRANT SELECT ON pg_catalog.pg_prepared_xacts TO PUBLIC", connection);
            await command.ExecuteNonQueryAsync(cts.Token);
        }
        var again = await observer.ObserveUntilAsync(topology, s => s.Pair("datanode1").Master.Facts?.WatchError is null,
            "the watch to read again", cts.Token);
        Assert.NotNull(again.Pair("datanode1").Master.Facts!.Wal);
    }

    [Fact]
    public async Task Async_pair_shows_async_sync_state_and_no_synchronous_standby()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Async, cts.Token);
        await using var observer = ObserverHarness.Create();

        var snapshot = await observer.ObserveAsync(LabTopology.For(pair), cts.Token);

        var masterFacts = snapshot.Pair("datanode1").Master.Facts!;
        Assert.Equal("", masterFacts.SynchronousStandbyNames);
        var row = Assert.Single(masterFacts.Replication);
        Assert.Equal("streaming", row.State);
        Assert.Equal("async", row.SyncState);
        Assert.True(snapshot.Pair("datanode1").Slave!.Facts!.InRecovery);
    }

    [Fact]
    public async Task Killed_sync_slave_leaves_master_without_replication_and_commits_waiting()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Sync, cts.Token);
        await using var observer = ObserverHarness.Create();
        var topology = LabTopology.For(pair);

        await pair.Slave.KillAsync(cts.Token);

        var snapshot = await observer.ObserveUntilAsync(topology,
            s => s.Pair("datanode1").Master.Facts?.Replication.Count == 0, "the master to lose its replication row", cts.Token);
        Assert.Equal(ProbeStatus.Ok, snapshot.Pair("datanode1").Master.Status);
        Assert.Equal(ProbeStatus.Unreachable, snapshot.Pair("datanode1").Slave!.Status);

        // A commit on the master now waits for the dead sync slave.
        await using var writer = new NpgsqlConnection(pair.Master.ConnectionString + ";Pooling=false");
        await writer.OpenAsync(cts.Token);
        using var commitCancel = new CancellationTokenSource();
        await using var create = new NpgsqlCommand("CREATE TABLE waits_for_sync_slave (x int)", writer);
        var commit = create.ExecuteNonQueryAsync(commitCancel.Token);

        var waiting = await observer.ObserveUntilAsync(topology,
            s => s.Pair("datanode1").Master.Facts?.SyncRepWaiters >= 1, "a backend waiting in SyncRep", cts.Token);
        Assert.True(waiting.Pair("datanode1").Master.Facts!.SyncRepWaiters >= 1);
        Assert.False(commit.IsCompleted);

        // Cancelling the wait ends it (the row stays committed locally, as PostgreSQL warns).
        await commitCancel.CancelAsync();
        try
        {
            await commit.WaitAsync(TimeSpan.FromSeconds(10), cts.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or NpgsqlException)
        {
            // Npgsql may report the cancelled statement as cancelled; either way the wait is over.
        }
        await observer.ObserveUntilAsync(topology,
            s => s.Pair("datanode1").Master.Facts?.SyncRepWaiters == 0, "the SyncRep wait to end", cts.Token);
    }

    [Fact]
    public async Task Killed_master_is_unreachable_and_slave_stays_in_recovery()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Sync, cts.Token);
        await using var observer = ObserverHarness.Create();
        var topology = LabTopology.For(pair);
        Assert.Equal(ProbeStatus.Ok, (await observer.ObserveAsync(topology, cts.Token)).Pair("datanode1").Master.Status);

        await pair.Master.KillAsync(cts.Token);

        var snapshot = await observer.ObserveAsync(topology, cts.Token);
        var master = snapshot.Pair("datanode1").Master;
        Assert.Equal(ProbeStatus.Unreachable, master.Status);
        Assert.Null(master.Facts);
        Assert.False(string.IsNullOrWhiteSpace(master.Error));
        var slave = snapshot.Pair("datanode1").Slave!;
        Assert.Equal(ProbeStatus.Ok, slave.Status);
        Assert.True(slave.Facts!.InRecovery);
    }

    [Fact]
    public async Task Black_holed_slave_costs_only_its_connect_timeout_and_others_answer()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Async, cts.Token);
        await using var blackHole = new BlackHoleListener();
        await using var observer = ObserverHarness.Create();
        var real = pair.ToDatanodePair();
        var holed = real with
        {
            Name = "datanode2",
            Master = real.Slave!,
            Slave = new ServerLocation("localhost", "127.0.0.1", blackHole.Port, "/nowhere"),
        };
        var topology = LabTopology.For([real, holed]);

        var stopwatch = Stopwatch.StartNew();
        var snapshot = await observer.ObserveAsync(topology, cts.Token);
        stopwatch.Stop();

        var connectTimeout = topology.Monitor.ConnectTimeout;
        Assert.True(stopwatch.Elapsed < connectTimeout + TimeSpan.FromSeconds(3),
            $"the snapshot took {stopwatch.Elapsed.TotalSeconds:0.0} s with a {connectTimeout.TotalSeconds} s connect timeout");
        var holedProbe = snapshot.Pair("datanode2").Slave!;
        Assert.Equal(ProbeStatus.Timeout, holedProbe.Status);
        Assert.InRange(holedProbe.Elapsed, connectTimeout - TimeSpan.FromMilliseconds(100), connectTimeout + TimeSpan.FromSeconds(3));
        Assert.Equal(ProbeStatus.Ok, snapshot.Pair("datanode1").Master.Status);
        Assert.Equal(ProbeStatus.Ok, snapshot.Pair("datanode1").Slave!.Status);
        Assert.Equal(ProbeStatus.Ok, snapshot.Pair("datanode2").Master.Status);
        Assert.True(snapshot.Pair("datanode1").Master.Elapsed < connectTimeout);
    }

    [Fact]
    public async Task Frozen_slave_times_out_within_command_timeout_and_recovers_after_thaw()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Async, cts.Token);
        await using var observer = ObserverHarness.Create();
        var topology = LabTopology.For(pair);
        // The first snapshot leaves a pooled connection, so the next probe hangs in its query, not its connect.
        Assert.Equal(ProbeStatus.Ok, (await observer.ObserveAsync(topology, cts.Token)).Pair("datanode1").Slave!.Status);

        await pair.Slave.FreezeAsync(cts.Token);
        var stopwatch = Stopwatch.StartNew();
        var frozen = await observer.ObserveAsync(topology, cts.Token);
        stopwatch.Stop();

        var bound = topology.Monitor.ConnectTimeout + topology.Monitor.CommandTimeout + TimeSpan.FromSeconds(3);
        Assert.True(stopwatch.Elapsed < bound, $"the snapshot took {stopwatch.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(ProbeStatus.Timeout, frozen.Pair("datanode1").Slave!.Status);
        Assert.Equal(ProbeStatus.Ok, frozen.Pair("datanode1").Master.Status);

        await pair.Slave.ThawAsync(cts.Token);
        await observer.ObserveUntilAsync(topology, s => s.Pair("datanode1").Slave!.Status == ProbeStatus.Ok,
            "the thawed slave to answer again", cts.Token);
    }

    [Fact]
    public async Task A_frozen_slave_named_as_a_quick_probe_costs_its_short_deadline_not_the_topology_timeouts()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Async, cts.Token);
        await using var observer = ObserverHarness.Create();
        var lab = LabTopology.For(pair);
        // Long timeouts, so the quick deadline and the topology's cannot be mistaken for each other.
        var topology = lab with { Monitor = lab.Monitor with { ConnectTimeout = TimeSpan.FromSeconds(6), CommandTimeout = TimeSpan.FromSeconds(6) } };
        var slave = new HashSet<string>([topology.Datanodes[0].Slave!.Endpoint]);
        var quick = new QuickProbes(slave, QuickProbes.SilentServerTimeout);
        // A live server named as a quick probe is observed as usual (a deadline a loaded CI host meets for a session's
        // start); then, frozen, once with a pooled connection (the frozen server hangs the query), once without (it
        // hangs the connect).
        Assert.Equal(ProbeStatus.Ok, (await observer.ObserveAsync(topology, new QuickProbes(slave, TimeSpan.FromSeconds(1)), cts.Token)).Pair("datanode1").Slave!.Status);

        await pair.Slave.FreezeAsync(cts.Token);
        try
        {
            for (var round = 0; round < 2; round++)
            {
                var stopwatch = Stopwatch.StartNew();
                var frozen = await observer.ObserveAsync(topology, quick, cts.Token);
                stopwatch.Stop();
                output.WriteLine($"round {round}: snapshot {stopwatch.ElapsedMilliseconds} ms, slave probe {frozen.Pair("datanode1").Slave!.Elapsed.TotalMilliseconds:0} ms");
                Assert.Equal(ProbeStatus.Timeout, frozen.Pair("datanode1").Slave!.Status);
                Assert.Equal(ProbeStatus.Ok, frozen.Pair("datanode1").Master.Status);
                // Two quick deadlines at most (connect, then command), with room for a loaded machine, and well
                // under one of the topology's 6 s timeouts.
                Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"the snapshot took {stopwatch.Elapsed.TotalSeconds:0.0} s");
            }
            // Without the hint the same frozen slave costs the topology's timeout.
            var stopwatchFull = Stopwatch.StartNew();
            var full = await observer.ObserveAsync(topology, cts.Token);
            Assert.Equal(ProbeStatus.Timeout, full.Pair("datanode1").Slave!.Status);
            Assert.True(stopwatchFull.Elapsed >= TimeSpan.FromSeconds(5.5), $"the unhinted snapshot took only {stopwatchFull.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            await pair.Slave.ThawAsync(cts.Token);
        }
    }

    [Fact]
    public async Task A_frozen_slave_that_becomes_a_quick_probe_while_its_probe_is_under_way_ends_that_probe_early()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Async, cts.Token);
        await using var observer = ObserverHarness.Create();
        var lab = LabTopology.For(pair);
        var topology = lab with { Monitor = lab.Monitor with { ConnectTimeout = TimeSpan.FromSeconds(6), CommandTimeout = TimeSpan.FromSeconds(6) } };
        var slave = topology.Datanodes[0].Slave!.Endpoint;
        // A pooled connection first, so the frozen server hangs the query (as in a running bot).
        Assert.Equal(ProbeStatus.Ok, (await observer.ObserveAsync(topology, cts.Token)).Pair("datanode1").Slave!.Status);

        await pair.Slave.FreezeAsync(cts.Token);
        try
        {
            using var signal = new QuickProbeSignal();
            var stopwatch = Stopwatch.StartNew();
            // Nobody is quick when the poll starts; the commit watch calls the slave silent while it is probed.
            var observing = observer.ObserveAsync(topology, new QuickProbes(new HashSet<string>(), QuickProbes.SilentServerTimeout) { Later = signal }, cts.Token);
            // The delay is the scenario, not a wait for something: the probe has hung on the frozen slave for half a
            // second when the watch speaks (the assertion below checks it is still under way).
            await Task.Delay(TimeSpan.FromMilliseconds(500), cts.Token);
            Assert.False(observing.IsCompleted, "the frozen slave's probe is under way");
            signal.Quicken(slave);
            var frozen = await observing;
            stopwatch.Stop();
            output.WriteLine($"snapshot {stopwatch.ElapsedMilliseconds} ms: {frozen.Pair("datanode1").Slave!.Error}");

            Assert.Equal(ProbeStatus.Timeout, frozen.Pair("datanode1").Slave!.Status);
            Assert.Equal(ProbeStatus.Ok, frozen.Pair("datanode1").Master.Status);
            // Well under the topology's 6 s command timeout, with room for a loaded machine.
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"the snapshot took {stopwatch.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            await pair.Slave.ThawAsync(cts.Token);
        }
    }

    [Fact]
    public async Task Coordinator_probe_reads_pgxc_node_and_reports_a_dead_coordinator()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Async, cts.Token);
        // A plain PostgreSQL server has no pgxc_node: give the master a table shaped like the catalog.
        await using (var connection = new NpgsqlConnection(pair.Master.ConnectionString + ";Pooling=false"))
        {
            await connection.OpenAsync(cts.Token);
            await using var command = new NpgsqlCommand("""
                CREATE TABLE pgxc_node (node_name name, node_type "char", node_host name, node_port int);
                INSERT INTO pgxc_node VALUES ('datanode1', 'D', '127.0.0.1', 15432), ('coord1', 'C', 'localhost', 5432);
                """, connection);
            await command.ExecuteNonQueryAsync(cts.Token);
        }
        var deadPort = FreePorts.Pick();
        var topology = LabTopology.For([pair.ToDatanodePair()],
        [
            new Coordinator("coord1", "localhost", "127.0.0.1", pair.Master.Port),
            new Coordinator("coord2", "localhost", "127.0.0.1", deadPort),
        ]);
        await using var observer = ObserverHarness.Create();

        var snapshot = await observer.ObserveAsync(topology, cts.Token);

        var alive = Assert.Single(snapshot.Coordinators, c => c.Coordinator == "coord1");
        Assert.Equal(ProbeStatus.Ok, alive.Status);
        Assert.StartsWith("15.", alive.ServerVersion);
        Assert.Equal(
            [new PgxcNodeRow("coord1", 'C', "localhost", 5432), new PgxcNodeRow("datanode1", 'D', "127.0.0.1", 15432)],
            alive.Nodes);
        var dead = Assert.Single(snapshot.Coordinators, c => c.Coordinator == "coord2");
        Assert.Equal(ProbeStatus.Unreachable, dead.Status);
        Assert.Empty(dead.Nodes);
    }
}
