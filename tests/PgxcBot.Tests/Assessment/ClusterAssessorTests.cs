using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Assessment;

public class ClusterAssessorTests
{
    private static Problem Single(PairAssessment pair, string code) => Assert.Single(pair.Problems, p => p.Code == code);

    [Fact]
    public void Healthy_sync_pair_has_no_problem_and_zero_lag()
    {
        var assessment = new ClusterBuilder().Assess();

        var pair = Assert.Single(assessment.Pairs);
        Assert.Equal(ObservedCondition.Sync, pair.Condition);
        Assert.Equal(Severity.Ok, pair.Health);
        Assert.Empty(pair.Problems);
        Assert.False(pair.CommitsBlocked);
        Assert.True(pair.SlaveInSync);
        Assert.Equal(0, pair.Lag!.Bytes);
        Assert.Equal(TimeSpan.Zero, pair.Lag.Time);
        Assert.Equal(Severity.Ok, assessment.Worst);
        Assert.All(assessment.CoordinatorViews, v => Assert.True(v.Matches, $"{v.Coordinator}/{v.Datanode}"));
    }

    [Fact]
    public void Async_pair_is_info_and_suggests_sync()
    {
        var pair = new ClusterBuilder().Async().Assess().Pairs[0];

        Assert.Equal(ObservedCondition.Async, pair.Condition);
        Assert.Equal(Severity.Info, pair.Health);
        Assert.False(pair.SlaveInSync);
        var problem = Single(pair, ProblemCodes.ReplicationAsync);
        Assert.Contains("node02:20010", problem.Sentence);
        Assert.Contains("may lose the last commits", problem.Sentence);
        Assert.Equal("/pgxc sync datanode1", problem.NextStep);
    }

    [Fact]
    public void Killed_sync_slave_with_waiters_blocks_commits_critically()
    {
        var builder = new ClusterBuilder().SlaveKilled();
        builder.Pair().Master = builder.Pair().Master with { SyncRepWaiters = 3 };

        var pair = builder.Assess().Pairs[0];

        Assert.Equal(ObservedCondition.SlaveLost, pair.Condition);
        Assert.True(pair.CommitsBlocked);
        Assert.Equal(Severity.Critical, pair.Health);
        var blocked = Single(pair, ProblemCodes.CommitsBlocked);
        Assert.Equal(Severity.Critical, blocked.Severity);
        Assert.StartsWith("Commits are blocked on datanode1", blocked.Sentence);
        Assert.Contains("3 sessions are waiting", blocked.Sentence);
        Assert.Contains("datanode1_slave", blocked.Sentence);
        Assert.Equal("/pgxc async datanode1", blocked.NextStep);
        var lost = Single(pair, ProblemCodes.SlaveNotStreaming);
        Assert.Contains("node02:20010 does not answer (connection refused)", lost.Sentence);
        // Commits first (async), then the slave: the bot's start runbook starts what is down.
        Assert.Equal("/pgxc start datanode1", lost.NextStep);
        Assert.Equal("/pgxc async datanode1", pair.Advice!.Next!.Command);
        Assert.Equal("/pgxc start datanode1", pair.Advice.Then!.Command);
    }

    [Fact]
    public void Killed_async_slave_does_not_block_commits_and_says_how_to_start_it()
    {
        var pair = new ClusterBuilder().Async().SlaveKilled().Assess().Pairs[0];

        Assert.Equal(ObservedCondition.SlaveLost, pair.Condition);
        Assert.False(pair.CommitsBlocked);
        Assert.Equal(Severity.Warning, pair.Health);
        var lost = Single(pair, ProblemCodes.SlaveNotStreaming);
        Assert.Equal("/pgxc start datanode1", lost.NextStep);
        Assert.Equal(("/pgxc start datanode1", "Start"), (lost.Command, lost.ActionLabel));
    }

    [Fact]
    public void Sync_commit_off_means_no_block_unless_sessions_wait()
    {
        var builder = new ClusterBuilder().SlaveKilled();
        builder.Pair().Master = builder.Pair().Master with { SynchronousCommit = "local" };
        Assert.False(builder.Assess().Pairs[0].CommitsBlocked);

        builder.Pair().Master = builder.Pair().Master with { SyncRepWaiters = 1 };
        var pair = builder.Assess().Pairs[0];
        Assert.True(pair.CommitsBlocked);
        Assert.Contains("1 session is waiting", Single(pair, ProblemCodes.CommitsBlocked).Sentence);
    }

    [Fact]
    public void Slave_connected_but_not_streaming_names_its_state()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Row = builder.Pair().Row with { State = "catchup" };

        var pair = builder.Assess().Pairs[0];

        Assert.Equal(ObservedCondition.SlaveLost, pair.Condition);
        Assert.Contains("state 'catchup'", Single(pair, ProblemCodes.SlaveNotStreaming).Sentence);
        Assert.True(pair.CommitsBlocked);
    }

    [Fact]
    public void Frozen_slave_host_is_judged_lost_although_the_walsender_row_says_streaming()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Row = builder.Pair().Row with { ReplyTime = ClusterBuilder.Now.AddMinutes(-2) };

        var pair = builder.Assess().Pairs[0];

        Assert.Equal(ObservedCondition.SlaveLost, pair.Condition);
        var frozen = Single(pair, ProblemCodes.SlaveFrozen);
        Assert.Contains("2 min 0 s ago", frozen.Sentence);
        Assert.True(pair.CommitsBlocked);
    }

    [Fact]
    public void Master_unreachable_with_slave_in_sync_says_promote_is_safe()
    {
        var builder = new ClusterBuilder();
        var before = builder.Assess();
        builder.TakenAt = ClusterBuilder.Now.AddSeconds(5);
        builder.MasterKilled();

        var pair = builder.Assess(before).Pairs[0];

        Assert.Equal(ObservedCondition.MasterLost, pair.Condition);
        Assert.True(pair.SlaveInSync);
        var problem = Single(pair, ProblemCodes.MasterUnreachable);
        Assert.Equal(Severity.Critical, problem.Severity);
        Assert.Contains("node01:20006 does not answer", problem.Sentence);
        Assert.Contains("Promoting it is safe", problem.Sentence);
        Assert.Contains("5 s ago", problem.Sentence);
        Assert.Equal("/pgxc promote datanode1", problem.NextStep);
        Assert.Null(pair.PromoteLossBytes);
    }

    [Fact]
    public void Master_unreachable_with_lagging_async_slave_says_how_much_is_lost()
    {
        var builder = new ClusterBuilder().Async().SlaveBehind(32L * 1024 * 1024);
        var before = builder.Assess();
        builder.MasterKilled();

        var pair = builder.Assess(before).Pairs[0];

        Assert.Equal(ObservedCondition.MasterLost, pair.Condition);
        Assert.False(pair.SlaveInSync);
        Assert.Equal(32L * 1024 * 1024, pair.PromoteLossBytes);
        var problem = Single(pair, ProblemCodes.MasterUnreachable);
        Assert.Contains("loses at least 32 MB", problem.Sentence);
        Assert.Contains("synchronous_standby_names is empty", problem.Sentence);
        Assert.DoesNotContain("is safe", problem.Sentence);
        Assert.Contains("/pgxc promote datanode1 --accept-data-loss", problem.NextStep);
    }

    [Fact]
    public void Master_unreachable_without_history_says_it_cannot_tell()
    {
        var pair = new ClusterBuilder().MasterKilled().Assess().Pairs[0];

        Assert.Equal(ObservedCondition.MasterLost, pair.Condition);
        var problem = Single(pair, ProblemCodes.MasterUnreachable);
        Assert.Contains("nothing proves the slave has every acknowledged commit", problem.Sentence);
        Assert.Contains("--accept-data-loss", problem.NextStep);
    }

    [Fact]
    public void Master_unreachable_by_the_bot_while_slave_still_streams_from_it_is_unknown_not_lost()
    {
        var builder = new ClusterBuilder();
        builder.Pair().MasterStatus = ProbeStatus.Timeout;

        var pair = builder.Assess().Pairs[0];

        Assert.Equal(ObservedCondition.Unknown, pair.Condition);
        var problem = Single(pair, ProblemCodes.MasterUnobservable);
        Assert.Contains("would make a second master", problem.Sentence);
        Assert.DoesNotContain(pair.Problems, p => p.NextStep.Contains("/pgxc promote"));
    }

    [Fact]
    public void Master_refusing_the_login_is_unknown()
    {
        var builder = new ClusterBuilder().MasterKilled();
        builder.Pair().MasterStatus = ProbeStatus.AuthenticationFailed;

        var pair = builder.Assess().Pairs[0];

        Assert.Equal(ObservedCondition.Unknown, pair.Condition);
        Assert.Contains("user and password", Single(pair, ProblemCodes.MasterUnobservable).NextStep);
    }

    [Fact]
    public void Both_writable_is_split_brain_and_names_the_stale_server()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Slave = builder.Pair().Slave with { InRecovery = false, Standby = null, Timeline = 2 };

        var pair = builder.Assess().Pairs[0];

        Assert.Equal(ObservedCondition.SplitBrain, pair.Condition);
        Assert.Null(pair.CurrentMaster);
        var problem = Single(pair, ProblemCodes.SplitBrain);
        Assert.Equal(Severity.Critical, problem.Severity);
        Assert.Contains("both node01:20006 and node02:20010 accept writes", problem.Sentence);
        Assert.StartsWith("Stop node01:20006 now", problem.NextStep);
    }

    [Fact]
    public void Both_in_recovery_means_no_master()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Master = builder.Pair().Master with
        {
            InRecovery = true, CurrentWalLsn = null, Replication = [],
            Standby = new StandbyFacts(ClusterBuilder.Head, ClusterBuilder.Head, null, null, null, null),
        };

        var pair = builder.Assess().Pairs[0];

        Assert.Equal(ObservedCondition.NoMaster, pair.Condition);
        var problem = Single(pair, ProblemCodes.NoMaster);
        Assert.Contains("are in recovery", problem.Sentence);
        Assert.Equal("/pgxc promote datanode1", problem.NextStep);
    }

    [Fact]
    public void Neither_server_answering_means_no_master()
    {
        var pair = new ClusterBuilder().MasterKilled().SlaveKilled().Assess().Pairs[0];

        Assert.Equal(ObservedCondition.NoMaster, pair.Condition);
        Assert.Contains("datanode1 is down", Single(pair, ProblemCodes.NoMaster).Sentence);
    }

    [Theory]
    [InlineData(1024L * 1024, 1, null, null)]
    [InlineData(20L * 1024 * 1024, 1, ProblemCodes.LagWarning, "20 MB (1 s)")]
    [InlineData(300L * 1024 * 1024, 1, ProblemCodes.LagCritical, "300 MB (1 s)")]
    [InlineData(1024L, 15, ProblemCodes.LagWarning, "1 kB (15 s)")]
    [InlineData(1024L, 90, ProblemCodes.LagCritical, "1 kB (1 min 30 s)")]
    public void Lag_over_thresholds_is_reported(long bytes, int seconds, string? code, string? amount)
    {
        var pair = new ClusterBuilder().SlaveBehind(bytes, TimeSpan.FromSeconds(seconds)).Assess().Pairs[0];

        Assert.Equal(ObservedCondition.Sync, pair.Condition);
        Assert.Equal(bytes, pair.Lag!.Bytes);
        var lagProblems = pair.Problems.Where(p => p.Code is ProblemCodes.LagWarning or ProblemCodes.LagCritical).ToArray();
        if (code is null)
        {
            Assert.Empty(lagProblems);
            return;
        }
        var problem = Assert.Single(lagProblems);
        Assert.Equal(code, problem.Code);
        Assert.Equal(code == ProblemCodes.LagCritical ? Severity.Critical : Severity.Warning, problem.Severity);
        Assert.Contains($"is {amount} behind its master node01:20006", problem.Sentence);
    }

    [Fact]
    public void Async_lag_says_what_a_failover_would_lose()
    {
        var pair = new ClusterBuilder().Async().SlaveBehind(20L * 1024 * 1024).Assess().Pairs[0];

        Assert.Contains("would lose up to 20 MB (1 s) of commits", Single(pair, ProblemCodes.LagWarning).Sentence);
    }

    [Fact]
    public void Not_queryable_slave_is_running_not_down()
    {
        var builder = new ClusterBuilder();
        builder.Pair().SlaveStatus = ProbeStatus.NotQueryable;
        builder.Pair().SlaveError = "Was unable to obtain a snapshot from GTM.";

        var pair = builder.Assess().Pairs[0];

        Assert.Equal(ObservedCondition.Sync, pair.Condition);
        Assert.Equal(Severity.Info, pair.Health);
        var problem = Single(pair, ProblemCodes.SlaveNotQueryable);
        Assert.Contains("running but not queryable", problem.Sentence);
        Assert.Contains("global_snapshot_source = 'coordinator'", problem.NextStep);
        Assert.DoesNotContain(pair.Problems, p => p.Code == ProblemCodes.SlaveNotStreaming);
    }

    [Fact]
    public void Different_system_identifiers_mean_the_slave_is_not_a_copy()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Slave = builder.Pair().Slave with { SystemIdentifier = "6999" };

        var problem = Single(builder.Assess().Pairs[0], ProblemCodes.SystemIdentifierMismatch);

        Assert.Equal(Severity.Critical, problem.Severity);
        Assert.Contains("node02:20010 is not a copy of datanode1's master node01:20006", problem.Sentence);
        Assert.Contains("6999", problem.Sentence);
    }

    [Fact]
    public void Slave_following_another_host_is_reported()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Standby = builder.Pair().Standby with { SenderHost = "127.0.0.99", SenderPort = 5432 };

        var problem = Single(builder.Assess().Pairs[0], ProblemCodes.SlaveFollowsOtherHost);

        Assert.Contains("streams from 127.0.0.99:5432, not from its master node01:20006", problem.Sentence);
    }

    [Fact]
    public void Slave_following_the_master_by_host_name_or_localhost_is_fine()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Standby = builder.Pair().Standby with { SenderHost = "NODE01" };
        Assert.DoesNotContain(builder.Assess().Pairs[0].Problems, p => p.Code == ProblemCodes.SlaveFollowsOtherHost);
    }

    [Fact]
    public void Promoted_slave_is_the_current_master_and_coordinators_on_the_old_one_are_wrong()
    {
        var builder = new ClusterBuilder().MasterKilled();
        builder.Pair().Slave = builder.Pair().Slave with { InRecovery = false, Standby = null, Timeline = 2 };
        // coord2 was already repointed (by address), coord1 still routes to the dead master.
        builder.Coordinator("coord2").Nodes = [new PgxcNodeRow("datanode1", 'D', "127.0.0.12", 20010)];

        var assessment = builder.Assess();
        var pair = assessment.Pairs[0];

        Assert.Equal(ObservedCondition.Promoted, pair.Condition);
        Assert.Equal(builder.Pair().Config.Slave, pair.CurrentMaster);
        Assert.Equal("/pgxc repoint datanode1", Single(pair, ProblemCodes.SlavePromoted).NextStep);
        var wrong = Assert.Single(assessment.CoordinatorProblems, p => p.Code == ProblemCodes.CoordinatorWrongTarget);
        Assert.Equal("coord1", wrong.Subject);
        Assert.Contains("routes datanode1 to node01:20006, but datanode1's master is node02:20010", wrong.Sentence);
        Assert.True(assessment.CoordinatorViews.Single(v => v.Coordinator == "coord2").Matches);
    }

    [Fact]
    public void Coordinator_pointing_at_the_wrong_port_is_critical_and_disagreement_is_reported()
    {
        var builder = new ClusterBuilder();
        builder.Coordinator("coord1").Nodes = [new PgxcNodeRow("datanode1", 'D', "node01", 20010)];

        var assessment = builder.Assess();

        var wrong = Assert.Single(assessment.CoordinatorProblems, p => p.Code == ProblemCodes.CoordinatorWrongTarget);
        Assert.Equal(Severity.Critical, wrong.Severity);
        Assert.Equal("/pgxc repoint datanode1", wrong.NextStep);
        Assert.Contains("routes datanode1 to node01:20010", wrong.Sentence);
        var cell = assessment.CoordinatorViews.Single(v => v.Coordinator == "coord1");
        Assert.Equal("node01:20010", cell.PointsAt);
        Assert.False(cell.Matches);
        var disagree = Assert.Single(assessment.CoordinatorProblems, p => p.Code == ProblemCodes.CoordinatorsDisagree);
        Assert.Contains("coord1 → node01:20010, coord2 → 127.0.0.11:20006", disagree.Sentence);
        Assert.Equal(Severity.Critical, assessment.Worst);
    }

    [Fact]
    public void Coordinator_without_a_row_for_a_datanode_is_reported_with_the_fix()
    {
        var builder = new ClusterBuilder();
        builder.Coordinator("coord2").Nodes = [];

        var assessment = builder.Assess();

        var missing = Assert.Single(assessment.CoordinatorProblems);
        Assert.Equal(ProblemCodes.CoordinatorMissingNode, missing.Code);
        Assert.Equal("coord2", missing.Subject);
        Assert.Contains("CREATE NODE datanode1 WITH (TYPE = 'datanode', HOST = '127.0.0.11', PORT = 20006)", missing.NextStep);
        var cell = assessment.CoordinatorViews.Single(v => v.Coordinator == "coord2");
        Assert.Null(cell.PointsAt);
        Assert.False(cell.Matches);
    }

    [Fact]
    public void Unreachable_coordinator_is_a_warning_while_another_answers_and_critical_when_none_does()
    {
        var builder = new ClusterBuilder();
        builder.Coordinator("coord2").Status = ProbeStatus.Timeout;

        var assessment = builder.Assess();
        var down = Assert.Single(assessment.CoordinatorProblems);
        Assert.Equal(ProblemCodes.CoordinatorUnreachable, down.Code);
        Assert.Equal(Severity.Warning, down.Severity);
        Assert.Contains("coord2 (node02:20004) does not answer (no answer within 2 s)", down.Sentence);
        Assert.Null(assessment.CoordinatorViews.Single(v => v.Coordinator == "coord2").PointsAt);

        builder.Coordinator("coord1").Status = ProbeStatus.Unreachable;
        Assert.All(builder.Assess().CoordinatorProblems, p => Assert.Equal(Severity.Critical, p.Severity));
    }

    [Fact]
    public void Matrix_has_one_cell_per_datanode_and_coordinator()
    {
        var assessment = new ClusterBuilder(datanodes: 2).Assess();

        Assert.Equal(4, assessment.CoordinatorViews.Count);
        Assert.Equal(
            ["coord1/datanode1", "coord1/datanode2", "coord2/datanode1", "coord2/datanode2"],
            assessment.CoordinatorViews.Select(v => $"{v.Coordinator}/{v.Datanode}").Order().ToArray());
        Assert.Equal("node02:20007", assessment.CoordinatorViews.Single(v => v.Coordinator == "coord1" && v.Datanode == "datanode2").PointsAt);
        Assert.All(assessment.CoordinatorViews, v => Assert.True(v.Matches));
        Assert.Equal(2, assessment.Pairs.Count);
    }

    [Fact]
    public void Every_problem_has_a_code_a_sentence_and_a_next_step()
    {
        var builder = new ClusterBuilder(datanodes: 2).SlaveKilled().MasterKilled("datanode2");
        builder.Coordinator("coord2").Status = ProbeStatus.Unreachable;

        var problems = builder.Assess().AllProblems.ToArray();

        Assert.NotEmpty(problems);
        Assert.All(problems, p =>
        {
            Assert.False(string.IsNullOrWhiteSpace(p.Code));
            Assert.EndsWith(".", p.Sentence);
            Assert.False(string.IsNullOrWhiteSpace(p.NextStep));
        });
    }
}

public class HumanizeTests
{
    [Theory]
    [InlineData(0L, "0 bytes")]
    [InlineData(1L, "1 byte")]
    [InlineData(1536L, "1.5 kB")]
    [InlineData(12L * 1024 * 1024, "12 MB")]
    [InlineData(3L * 1024 * 1024 * 1024, "3 GB")]
    public void Bytes(long value, string expected) => Assert.Equal(expected, Humanize.Bytes(value));

    [Theory]
    [InlineData(0.5, "0.5 s")]
    [InlineData(12, "12 s")]
    [InlineData(200, "3 min 20 s")]
    [InlineData(7500, "2 h 5 min")]
    public void Duration(double seconds, string expected) => Assert.Equal(expected, Humanize.Duration(TimeSpan.FromSeconds(seconds)));
}
