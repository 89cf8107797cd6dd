using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Assessment;

/// <summary>
/// Issue 11's family: "in sync", "safe" and "no loss" rest on which WAL sender is the slave's (address and
/// name), on the whole synchronous_standby_names rule, and on LSNs; never on a name alone.
/// </summary>
public class SlaveEvidenceTests
{
    private static ReplicationRow Sender(string name, string address, string syncState = "sync", int pid = 100, Lsn? flush = null) =>
        new(name, address, "streaming", syncState, flush ?? ClusterBuilder.Head, flush ?? ClusterBuilder.Head, flush ?? ClusterBuilder.Head,
            flush ?? ClusterBuilder.Head, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, ClusterBuilder.Now.AddMilliseconds(-200))
        { Pid = pid, ClientPort = 40000 + pid };

    private const string SlaveAddress = "127.0.0.12";

    [Fact]
    public void A_second_client_named_like_the_slave_that_is_the_sync_standby_makes_the_pair_async_and_critical()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Master = builder.Pair().Master with
        {
            Replication = [Sender("datanode1_slave", "10.9.9.9", "sync", pid: 1), Sender("datanode1_slave", SlaveAddress, "potential", pid: 2)],
        };

        var pair = builder.Assess().Pairs[0];

        Assert.Equal(ObservedCondition.Async, pair.Condition);
        Assert.False(pair.SlaveInSync);
        var conflict = Assert.Single(pair.Problems, p => p.Code == ProblemCodes.ReplicationClientConflict);
        Assert.Equal(Severity.Critical, conflict.Severity);
        Assert.Contains("10.9.9.9", conflict.Sentence);
        Assert.Contains("acknowledged without the slave", conflict.Sentence);
    }

    [Fact]
    public void Two_clients_from_the_slave_address_with_its_name_prove_nothing()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Master = builder.Pair().Master with
        {
            Replication = [Sender("datanode1_slave", SlaveAddress, "sync", pid: 1), Sender("datanode1_slave", SlaveAddress, "potential", pid: 2)],
        };

        var pair = builder.Assess().Pairs[0];

        Assert.Equal(ObservedCondition.Async, pair.Condition);
        Assert.False(pair.SlaveInSync);
        Assert.False(pair.LastMasterSighting!.SlaveInSync);
        var conflict = Assert.Single(pair.Problems, p => p.Code == ProblemCodes.ReplicationClientConflict);
        Assert.Contains("cannot tell which one is", conflict.Sentence);
    }

    [Fact]
    public void A_client_with_the_slaves_name_and_address_is_not_the_slave_while_the_slave_says_it_receives_nothing()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Standby = builder.Pair().Standby with { WalReceiverStatus = null, SenderHost = null, SenderPort = null };

        var pair = builder.Assess().Pairs[0];

        Assert.False(pair.SlaveInSync);
        Assert.Equal(ObservedCondition.SlaveLost, pair.Condition);
        Assert.Contains(pair.Problems, p => p.Code == ProblemCodes.ReplicationClientConflict && p.Severity == Severity.Critical);
        Assert.False(pair.LastMasterSighting!.SlaveInSync);
    }

    [Fact]
    public void After_such_a_sighting_a_lost_master_is_not_called_safe_to_promote()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Master = builder.Pair().Master with
        {
            Replication = [Sender("datanode1_slave", SlaveAddress, "sync", pid: 1), Sender("datanode1_slave", SlaveAddress, "potential", pid: 2)],
        };
        var before = builder.Assess();
        builder.MasterKilled();

        var pair = builder.Assess(before).Pairs[0];

        Assert.False(pair.Promote!.Safe);
        var lost = Assert.Single(pair.Problems, p => p.Code == ProblemCodes.MasterUnreachable);
        Assert.DoesNotContain("is safe", lost.Sentence);
        Assert.Contains("--accept-data-loss", lost.NextStep);
    }

    [Fact]
    public void A_sync_slave_that_did_not_receive_what_the_master_had_flushed_is_not_safe_and_the_gap_is_said()
    {
        var builder = new ClusterBuilder();
        var before = builder.Assess();
        builder.MasterKilled();
        var behind = new Lsn(ClusterBuilder.Head.Value - 4096);
        builder.Pair().Standby = builder.Pair().Standby with { ReceiveLsn = behind, ReplayLsn = behind };

        var pair = builder.Assess(before).Pairs[0];

        Assert.False(pair.Promote!.Safe);
        Assert.Equal(4096, pair.Promote.MissingBytes);
        Assert.Contains("at least 4 kB", Assert.Single(pair.Problems, p => p.Code == ProblemCodes.MasterUnreachable).Sentence);
    }

    [Fact]
    public void A_slave_whose_position_cannot_be_read_after_the_master_died_is_not_proven_safe()
    {
        var builder = new ClusterBuilder();
        var before = builder.Assess();
        builder.MasterKilled();
        builder.Pair().SlaveStatus = ProbeStatus.NotQueryable; // a stock XL standby, and no shell facts

        var pair = builder.Assess(before).Pairs[0];

        Assert.False(pair.Promote!.Safe);
        Assert.Contains("cannot be read", pair.Promote.Summary);
    }

    [Fact]
    public void A_stock_XL_standby_is_judged_by_the_position_in_its_WAL_receiver_process_title()
    {
        var builder = new ClusterBuilder();
        var before = builder.Assess();
        builder.MasterKilled();
        builder.Pair().SlaveStatus = ProbeStatus.NotQueryable;
        var snapshot = builder.Snapshot();
        var slave = snapshot.Pairs[0].Slave! with
        {
            Process = new ProcessFacts(true, 42, new WalReceiverTitle("streaming", ClusterBuilder.Head), null, null, null, TimeSpan.Zero),
        };
        snapshot = snapshot with { Pairs = [snapshot.Pairs[0] with { Slave = slave }] };

        var pair = ClusterAssessor.Assess(builder.Topology(), snapshot, before).Pairs[0];

        Assert.True(pair.Promote!.Safe, pair.Promote.Summary);
        Assert.Contains(pair.Promote.Evidence, e => e.Contains("process title", StringComparison.Ordinal));
    }

    private static ClusterAssessment MasterDeadWithWalEnd(ClusterBuilder builder, ClusterAssessment before, Lsn walEnd)
    {
        builder.MasterKilled();
        var snapshot = builder.Snapshot();
        var master = snapshot.Pairs[0].Master with { Process = new ProcessFacts(false, null, null, null, null, null, TimeSpan.Zero) { WalEnd = walEnd } };
        snapshot = snapshot with { Pairs = [snapshot.Pairs[0] with { Master = master }] };
        return ClusterAssessor.Assess(builder.Topology(), snapshot, before);
    }

    [Fact]
    public void The_dead_masters_WAL_on_disk_beyond_what_the_slave_has_is_never_safe_even_after_a_sync_sighting()
    {
        var builder = new ClusterBuilder();
        var before = builder.Assess();
        var pair = MasterDeadWithWalEnd(builder, before, new Lsn(ClusterBuilder.Head.Value + 30_000_000)).Pairs[0];

        Assert.False(pair.Promote!.Safe);
        Assert.Equal(30_000_000, pair.Promote.MissingBytes);
        Assert.Contains("pg_waldump", string.Join(";", pair.Promote.Evidence));
        Assert.Contains("may be only commits never acknowledged", pair.Promote.Summary);
    }

    [Fact]
    public void A_slave_holding_everything_the_dead_master_wrote_is_safe_even_when_it_was_asynchronous()
    {
        var builder = new ClusterBuilder().Async();
        var before = builder.Assess();
        Assert.True(MasterDeadWithWalEnd(builder, before, ClusterBuilder.Head).Pairs[0].Promote!.Safe);
        // pg_waldump names the first record after a page header; the slave's position is the page boundary.
        Assert.True(MasterDeadWithWalEnd(new ClusterBuilder().Async(), before, new Lsn(ClusterBuilder.Head.Value + 24)).Pairs[0].Promote!.Safe);
    }

    [Fact]
    public void Two_required_standbys_with_one_streaming_block_commits_though_the_one_says_sync()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Master = builder.Pair().Master with { SynchronousStandbyNames = "2 (datanode1_slave, datanode1_spare)" };

        var pair = builder.Assess().Pairs[0];

        Assert.True(pair.CommitsBlocked);
        var blocked = Assert.Single(pair.Problems, p => p.Code == ProblemCodes.CommitsBlocked);
        Assert.Contains("needs 2 synchronous standby(s)", blocked.Sentence);
        Assert.Contains("only 1 stream(s)", blocked.Sentence);
        Assert.Equal("/pgxc async datanode1", blocked.NextStep);
        Assert.NotEqual(Severity.Ok, pair.Health);
    }

    [Fact]
    public void Commits_waiting_far_longer_than_the_standby_latency_are_blocked_whatever_the_setting_says()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Master = builder.Pair().Master with { SyncRepWaiters = 2, OldestSyncRepWait = TimeSpan.FromSeconds(12) };

        var pair = builder.Assess().Pairs[0];

        Assert.True(pair.CommitsBlocked);
        Assert.Contains("oldest for 12 s", Assert.Single(pair.Problems, p => p.Code == ProblemCodes.CommitsBlocked).Sentence);
    }

    [Fact]
    public void A_slow_but_healthy_standby_does_not_block_commits()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Row = builder.Pair().Row with { FlushLag = TimeSpan.FromSeconds(3) };
        builder.Pair().Master = builder.Pair().Master with { SyncRepWaiters = 5, OldestSyncRepWait = TimeSpan.FromSeconds(6) };

        var pair = builder.Assess().Pairs[0];

        Assert.False(pair.CommitsBlocked);
        Assert.Equal(ObservedCondition.Sync, pair.Condition);
    }

    [Fact]
    public void A_slave_streaming_under_another_name_is_told_to_fix_its_application_name_not_to_start()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Row = builder.Pair().Row with { ApplicationName = "dn1_replica", SyncState = "async" };

        var pair = builder.Assess().Pairs[0];

        Assert.NotEqual(ObservedCondition.SlaveLost, pair.Condition);
        Assert.True(pair.CommitsBlocked);
        var mismatch = Assert.Single(pair.Problems, p => p.Code == ProblemCodes.SlaveNameMismatch);
        Assert.Contains("streams as 'dn1_replica'", mismatch.Sentence);
        Assert.Contains("waits for datanode1_slave", mismatch.Sentence);
        Assert.Contains("application_name=datanode1_slave", mismatch.NextStep);
        Assert.Contains("recovery.conf", mismatch.NextStep);
        Assert.DoesNotContain(pair.Problems, p => p.NextStep.StartsWith("Start the slave", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("local")]
    [InlineData("off")]
    public void With_commits_not_waiting_for_standbys_the_slave_is_never_called_in_sync(string synchronousCommit)
    {
        var builder = new ClusterBuilder();
        builder.Pair().Master = builder.Pair().Master with { SynchronousCommit = synchronousCommit };

        var pair = builder.Assess().Pairs[0];

        Assert.Equal(ObservedCondition.Async, pair.Condition);
        Assert.Contains(pair.Problems, p => p.Code == ProblemCodes.ReplicationAsync && p.Sentence.Contains($"synchronous_commit = {synchronousCommit}", StringComparison.Ordinal));
    }

    [Fact]
    public void A_quorum_the_others_can_meet_does_not_need_the_slave()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Master = builder.Pair().Master with
        {
            SynchronousStandbyNames = "ANY 1 (datanode1_slave, spare)",
            Replication = [Sender("datanode1_slave", SlaveAddress, "quorum", pid: 1), Sender("spare", "10.0.0.9", "quorum", pid: 2)],
        };
        Assert.Equal(ObservedCondition.Async, builder.Assess().Pairs[0].Condition);

        builder.Pair().Master = builder.Pair().Master with { SynchronousStandbyNames = "ANY 2 (datanode1_slave, spare)" };
        Assert.Equal(ObservedCondition.Sync, builder.Assess().Pairs[0].Condition);
    }

    [Fact]
    public void The_in_sync_judgement_cites_the_setting_the_sender_and_the_positions()
    {
        var pair = new ClusterBuilder().Assess().Pairs[0];

        Assert.Equal(ObservedCondition.Sync, pair.Condition);
        Assert.Contains("synchronous_standby_names = 'datanode1_slave'", pair.SyncEvidence);
        Assert.Contains("127.0.0.12", pair.SyncEvidence);
        Assert.Contains(ClusterBuilder.Head.ToString(), pair.SyncEvidence);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("::1", "127.0.0.1", true)]
    [InlineData("::ffff:10.0.0.2", "10.0.0.2", true)]
    [InlineData("10.0.0.3", "10.0.0.2", false)]
    [InlineData("127.0.0.2", "127.0.0.1", false)]
    [InlineData(null, "10.0.0.2", false)]
    public void Client_addresses_compare_as_addresses(string? client, string configured, bool same) =>
        Assert.Equal(same, SlaveWalSender.SameAddress(client, System.Net.IPAddress.Parse(configured)));

    [Fact]
    public void An_xl_slave_sending_hot_standby_feedback_is_a_warning_with_the_setting_to_change()
    {
        var builder = new ClusterBuilder();
        builder.Pair().Master = builder.Pair().Master with
        {
            Replication = [Sender("datanode1_slave", SlaveAddress, "sync") with { BackendXmin = 563 }],
        };

        var pair = builder.Assess().Pairs[0];

        var feedback = Assert.Single(pair.Problems, p => p.Code == ProblemCodes.XlStandbyFeedback);
        Assert.Equal(Severity.Warning, feedback.Severity);
        Assert.Contains("xmin 563", feedback.Sentence);
        Assert.Contains("hot_standby_feedback = off", feedback.NextStep);
        Assert.Equal(ObservedCondition.Sync, pair.Condition);
    }

    [Theory]
    [InlineData(PgxcBot.Core.Topology.Flavor.PostgreSql, 563L)]
    [InlineData(PgxcBot.Core.Topology.Flavor.PostgresXc, 563L)]
    [InlineData(PgxcBot.Core.Topology.Flavor.PostgresXl, null)]
    public void Feedback_is_only_a_problem_on_xl_and_only_when_the_master_shows_it(PgxcBot.Core.Topology.Flavor flavor, long? xmin)
    {
        var builder = new ClusterBuilder();
        builder.Pair().Master = builder.Pair().Master with
        {
            Replication = [Sender("datanode1_slave", SlaveAddress, "sync") with { BackendXmin = xmin }],
        };

        var pair = ClusterAssessor.Assess(builder.Topology() with { Flavor = flavor }, builder.Snapshot(), null).Pairs[0];

        Assert.DoesNotContain(pair.Problems, p => p.Code == ProblemCodes.XlStandbyFeedback);
    }
}
