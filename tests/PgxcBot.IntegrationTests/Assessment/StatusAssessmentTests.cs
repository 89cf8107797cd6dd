using PgxcBot.Lab.Faults;
using PgxcBot.Core.Observation;
using PgxcBot.Lab.Coordinator;
using PgxcBot.IntegrationTests.Cli;
using PgxcBot.IntegrationTests.Observation;

namespace PgxcBot.IntegrationTests.Assessment;

/// <summary>
/// What status concludes about real PostgreSQL pairs and two coordinator simulators routing to them:
/// NpgsqlClusterObserver + ClusterAssessor end to end, with faults made by killing real processes.
/// </summary>
public sealed class StatusAssessmentTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Sync_pair_is_Sync_without_problems_and_both_coordinators_route_to_its_master()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var lab = await StatusLab.StartAsync(LabReplicationMode.Sync, cts.Token);

        var assessment = await lab.AssessAsync(cts.Token);

        var pair = assessment.Pair("datanode1");
        Assert.Equal(ObservedCondition.Sync, pair.Condition);
        Assert.False(pair.CommitsBlocked);
        Assert.True(pair.SlaveInSync);
        Assert.Empty(assessment.AllProblems);
        Assert.Equal(Severity.Ok, assessment.Worst);
        var masterAt = $"127.0.0.1:{lab.Datanode1.Master.Port}";
        foreach (var coordinator in new[] { "coord1", "coord2" })
        {
            var view = assessment.View(coordinator, "datanode1");
            Assert.Equal(masterAt, view.PointsAt);
            Assert.True(view.Matches);
        }
        Assert.All(assessment.Snapshot.Coordinators, c => Assert.Equal("10.9 (Postgres-XL 10r1.1)", c.ServerVersion));
    }

    [Fact]
    public async Task Async_pair_is_Async_with_an_info_problem_only()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var lab = await StatusLab.StartAsync(LabReplicationMode.Async, cts.Token);

        var assessment = await lab.AssessAsync(cts.Token);

        var pair = assessment.Pair("datanode1");
        Assert.Equal(ObservedCondition.Async, pair.Condition);
        Assert.False(pair.CommitsBlocked);
        Assert.False(pair.SlaveInSync);
        var problem = Assert.Single(assessment.AllProblems);
        Assert.Equal(ProblemCodes.ReplicationAsync, problem.Code);
        Assert.Equal(Severity.Info, problem.Severity);
        Assert.All(assessment.CoordinatorViews, v => Assert.True(v.Matches));
    }

    [Fact]
    public async Task Killed_sync_slave_with_a_commit_waiting_is_SlaveLost_with_commits_blocked()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var lab = await StatusLab.StartAsync(LabReplicationMode.Sync, cts.Token);
        var pair = lab.Datanode1;

        await pair.Slave.KillAsync(cts.Token);
        await using var writer = new NpgsqlConnection(pair.Master.ConnectionString + ";Pooling=false");
        await writer.OpenAsync(cts.Token);
        using var commitCancel = new CancellationTokenSource();
        await using var create = new NpgsqlCommand("CREATE TABLE waits_for_sync_slave (x int)", writer);
        var commit = create.ExecuteNonQueryAsync(commitCancel.Token);
        try
        {
            var assessment = await lab.AssessUntilAsync(
                a => a.Snapshot.Pairs[0].Master.Facts?.SyncRepWaiters >= 1 && a.Pair("datanode1").Condition == ObservedCondition.SlaveLost,
                "SlaveLost with a commit waiting in SyncRep", cts.Token);

            var assessed = assessment.Pair("datanode1");
            Assert.True(assessed.CommitsBlocked);
            Assert.Equal(Severity.Critical, assessed.Health);
            Assert.Contains(ProblemCodes.SlaveNotStreaming, assessed.Problems.Codes());
            var blocked = Assert.Single(assessed.Problems, p => p.Code == ProblemCodes.CommitsBlocked);
            Assert.Equal(Severity.Critical, blocked.Severity);
            Assert.StartsWith("Commits are blocked on datanode1", blocked.Sentence);
            Assert.Contains("1 session is waiting now", blocked.Sentence);
            Assert.Equal("/pgxc async datanode1", blocked.NextStep);
            Assert.Equal(ProbeStatus.Unreachable, assessment.Snapshot.Pairs[0].Slave!.Status);
            // The master is still where the coordinators route: no coordinator problem.
            Assert.Empty(assessment.CoordinatorProblems);
            Assert.False(commit.IsCompleted);
        }
        finally
        {
            await commitCancel.CancelAsync();
            try { await commit.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None); }
            catch (Exception e) when (e is OperationCanceledException or NpgsqlException or TimeoutException) { }
        }
    }

    [Fact]
    public async Task Killed_master_is_MasterLost_and_says_promoting_the_sync_slave_is_safe()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var lab = await StatusLab.StartAsync(LabReplicationMode.Sync, cts.Token);
        var before = await lab.AssessAsync(cts.Token);
        Assert.Equal(ObservedCondition.Sync, before.Pair("datanode1").Condition);

        await lab.Datanode1.Master.KillAsync(cts.Token);

        // Until the slave notices its WAL sender is gone it still claims to stream from the master, and the
        // bot rightly refuses to call the master lost; the slave notices within moments.
        var assessment = await lab.AssessUntilAsync(a => a.Pair("datanode1").Condition == ObservedCondition.MasterLost,
            "MasterLost", cts.Token, previous: before);

        var pair = assessment.Pair("datanode1");
        Assert.Equal(ProbeStatus.Unreachable, assessment.MasterProbe("datanode1").Status);
        Assert.False(pair.CommitsBlocked);
        Assert.True(pair.SlaveInSync);
        var problem = Assert.Single(pair.Problems, p => p.Code == ProblemCodes.MasterUnreachable);
        Assert.Equal(Severity.Critical, problem.Severity);
        Assert.Contains("promoting it is safe", problem.Sentence, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("/pgxc promote datanode1", problem.NextStep);
        // Both coordinators still route to the (dead) configured master, which is the current master.
        Assert.All(assessment.CoordinatorViews, v => Assert.True(v.Matches));
    }

    [Fact]
    public async Task Coordinator_routing_datanode1_to_a_wrong_port_is_a_problem_and_a_marked_cell()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var lab = await StatusLab.StartAsync(LabReplicationMode.Sync, cts.Token);
        var pair = lab.Datanode1;
        // The classic leftover: coord2 routes datanode1 to the slave's port.
        lab.Cluster.Coordinator("coord2").AddNode(SimulatedNode.Datanode("datanode1", "127.0.0.1", pair.Slave.Port, primary: true));

        var assessment = await lab.AssessAsync(cts.Token);

        Assert.Equal(ObservedCondition.Sync, assessment.Pair("datanode1").Condition);
        var right = assessment.View("coord1", "datanode1");
        Assert.True(right.Matches);
        var wrong = assessment.View("coord2", "datanode1");
        Assert.False(wrong.Matches);
        Assert.Equal($"127.0.0.1:{pair.Slave.Port}", wrong.PointsAt);
        Assert.Equal([ProblemCodes.CoordinatorWrongTarget, ProblemCodes.CoordinatorsDisagree], assessment.CoordinatorProblems.Codes());
        var wrongTarget = Assert.Single(assessment.CoordinatorProblems, p => p.Code == ProblemCodes.CoordinatorWrongTarget);
        Assert.Equal("coord2", wrongTarget.Subject);
        Assert.Equal(Severity.Critical, wrongTarget.Severity);
        Assert.Equal("/pgxc repoint datanode1", wrongTarget.NextStep);

        var matrix = Assert.Single(StatusMessageBuilder.Build(assessment).Tables);
        Assert.Equal(["datanode", "coord1", "coord2"], matrix.Header);
        var row = Assert.Single(matrix.Rows);
        Assert.Equal($"127.0.0.1:{pair.Master.Port}", row[1]);
        Assert.Equal($"{StatusMessageBuilder.MarkWrongTarget} 127.0.0.1:{pair.Slave.Port}", row[2]);
    }

    [Fact]
    public async Task Coordinator_that_is_down_is_unreachable_and_its_cells_are_unknown()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var lab = await StatusLab.StartAsync(LabReplicationMode.Sync, cts.Token);
        lab.Cluster.Coordinator("coord2").Down = true;

        var assessment = await lab.AssessAsync(cts.Token);

        Assert.Equal(ObservedCondition.Sync, assessment.Pair("datanode1").Condition);
        var problem = Assert.Single(assessment.AllProblems);
        Assert.Equal(ProblemCodes.CoordinatorUnreachable, problem.Code);
        Assert.Equal("coord2", problem.Subject);
        // coord1 still answers, so clients have a way in: a warning, not critical.
        Assert.Equal(Severity.Warning, problem.Severity);
        Assert.Contains("connection refused", problem.Sentence);
        var view = assessment.View("coord2", "datanode1");
        Assert.Null(view.PointsAt);
        Assert.False(view.Matches);
        Assert.True(assessment.View("coord1", "datanode1").Matches);
    }

    [Fact]
    public async Task Black_holed_coordinator_and_slave_cost_no_more_than_the_connect_timeout()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var lab = await StatusLab.StartAsync(LabReplicationMode.Async, cts.Token);
        await using var blackHole = new BlackHoleListener();
        var real = lab.Topology.Datanodes[0];
        var topology = lab.Topology with
        {
            Datanodes =
            [
                real,
                real with
                {
                    Name = "datanode2",
                    ApplicationName = "datanode2_slave",
                    Slave = new ServerLocation("localhost", "127.0.0.1", blackHole.Port, "/nowhere"),
                },
            ],
            Coordinators = [lab.Topology.Coordinators[0], new Coordinator("coord2", "localhost", "127.0.0.1", blackHole.Port)],
        };
        await lab.AssessAsync(cts.Token, topology); // warm the pools, as a running bot would have them

        var stopwatch = Stopwatch.StartNew();
        var assessment = await lab.AssessAsync(cts.Token, topology);
        stopwatch.Stop();

        var connectTimeout = topology.Monitor.ConnectTimeout;
        Assert.True(stopwatch.Elapsed < connectTimeout + TimeSpan.FromSeconds(1.5),
            $"status took {stopwatch.Elapsed.TotalMilliseconds:0} ms with a {connectTimeout.TotalMilliseconds:0} ms connect timeout");
        var coordinator = Assert.Single(assessment.Snapshot.Coordinators, c => c.Coordinator == "coord2");
        Assert.Equal(ProbeStatus.Timeout, coordinator.Status);
        var unreachable = Assert.Single(assessment.CoordinatorProblems, p => p.Code == ProblemCodes.CoordinatorUnreachable);
        Assert.Contains("no answer within", unreachable.Sentence);
        Assert.Equal(ProbeStatus.Timeout, Assert.Single(assessment.Snapshot.Pairs, p => p.Datanode == "datanode2").Slave!.Status);
        Assert.Equal(ObservedCondition.Async, assessment.Pair("datanode1").Condition);
        Assert.Equal(ProbeStatus.Ok, assessment.MasterProbe("datanode1").Status);
        Assert.True(assessment.View("coord1", "datanode1").Matches);
    }
}
