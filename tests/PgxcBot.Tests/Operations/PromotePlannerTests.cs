using PgxcBot.Core.Runbooks.Planners;

namespace PgxcBot.Tests.Operations;

public class PromotePlannerTests
{
    private static readonly SlaveSyncEvidence InSync = new(true, 0, null, "the pair was sync when the master was lost");
    private static readonly SlaveSyncEvidence Behind = new(false, 3 * 1024 * 1024, TimeSpan.FromSeconds(4), "the pair was Async when the master was lost");

    private static (ClusterTopology, FakeCluster) MasterDead(Flavor flavor = Flavor.PostgreSql)
    {
        var topology = RunbookTopologies.TwoNodes(flavor);
        var cluster = new FakeCluster(topology);
        cluster.Servers["node01:20006"].Running = false;
        return (topology, cluster);
    }

    [Fact]
    public void A_sync_slave_with_a_reachable_master_host_is_fenced_promoted_cleared_and_repointed_everywhere()
    {
        var (topology, cluster) = MasterDead();
        var plan = PromotePlanner.Plan(topology, cluster.Snapshot(topology), new PromoteRequest("datanode1", false), InSync, masterHostAnswers: true);

        var runbook = Assert.IsType<Runbook>(plan.Runbook);
        Assert.Equal(
            ["fence-stop-old-master", "fence-mark-read-only", "promote-slave", "clear-sync-on-new-master",
             "repoint-coord1", "repoint-coord2", "repoint-catalog-datanode1", "repoint-catalog-datanode2"],
            runbook.Steps.Select(s => s.Id));
        Assert.Empty(runbook.Acknowledgements);
        Assert.Equal("[node01]$ pg_ctl stop -w -t 60 -m immediate -D /home/postgresxc/pgxc/datanode", runbook.Steps[0].Action.Text);
        Assert.Contains("/home/postgresxc/pgxc/datanode/standby.signal", runbook.Steps[1].Action.Text);
        Assert.Equal("[node02]$ pg_ctl promote -w -t 60 -D /home/postgresxc/pgxc/datanode1_slave", runbook.Steps[2].Action.Text);
        Assert.Equal("node02:20010", runbook.Steps[2].MakesMaster);

        var repoint = Assert.IsType<RunSql>(runbook.Steps[4].Action);
        Assert.Equal(["ALTER NODE \"datanode1\" WITH (HOST = 'node02', PORT = 20010)", "SELECT pgxc_pool_reload()"], repoint.Statements);
        var catalog = Assert.IsType<RunSql>(runbook.Steps[7].Action);
        Assert.Equal("EXECUTE DIRECT ON (\"datanode2\") 'ALTER NODE \"datanode1\" WITH (HOST = ''node02'', PORT = 20010, TYPE = ''datanode'')'", catalog.Statements[0]);
        Assert.All(runbook.Steps.Skip(4), s => Assert.Equal(OnFailure.Continue, s.OnFailure));
    }

    [Fact]
    public void Every_repoint_is_verified_by_the_catalog_the_pooler_and_the_identity_of_the_server_behind_it()
    {
        var (topology, cluster) = MasterDead();
        var runbook = PromotePlanner.Plan(topology, cluster.Snapshot(topology), new PromoteRequest("datanode1", false), InSync, true).Runbook!;
        var verify = Assert.IsType<AllOf>(runbook.Steps.Single(s => s.Id == "repoint-coord1").Verify);
        Assert.Equal(
            ["SELECT node_host::text, node_port::text FROM pgxc_node WHERE node_name = 'datanode1'", "SELECT pgxc_pool_check()",
             "EXECUTE DIRECT ON (\"datanode1\") 'SELECT pgxc_node_str()::text, inet_server_port()::text, pg_is_in_recovery()::text'"],
            verify.Parts.Cast<SqlProbe>().Select(p => p.Sql));
        Assert.Equal("datanode1|20010|false", ((SqlProbe)verify.Parts[2]).Expected);
    }

    [Fact]
    public void A_slave_that_was_not_in_sync_is_refused_with_how_far_behind_it_was()
    {
        var (topology, cluster) = MasterDead();
        var plan = PromotePlanner.Plan(topology, cluster.Snapshot(topology), new PromoteRequest("datanode1", false), Behind, true);

        Assert.True(plan.IsRefused);
        Assert.Contains("not in sync", plan.Refusal);
        Assert.Contains("3 MB / 4 s behind", plan.Refusal);
        Assert.Contains("loses the commits", plan.Refusal);
        Assert.Contains("/pgxc promote datanode1 --accept-data-loss", plan.NextStep);
    }

    [Fact]
    public void Accepting_data_loss_plans_the_promote_and_says_the_loss_in_the_plan()
    {
        var (topology, cluster) = MasterDead();
        var plan = PromotePlanner.Plan(topology, cluster.Snapshot(topology), new PromoteRequest("datanode1", true), Behind, true);

        var warning = Assert.Single(plan.Runbook!.Warnings, w => w.StartsWith("DATA LOSS ACCEPTED", StringComparison.Ordinal));
        Assert.Contains("3 MB / 4 s behind", warning);
    }

    [Fact]
    public void A_master_host_without_ssh_cannot_be_fenced_so_the_approver_must_acknowledge_it()
    {
        var (topology, cluster) = MasterDead();
        var runbook = PromotePlanner.Plan(topology, cluster.Snapshot(topology), new PromoteRequest("datanode1", false), InSync, masterHostAnswers: false).Runbook!;

        Assert.Equal([PromotePlanner.FencingUnverified], runbook.Acknowledgements);
        Assert.Contains(runbook.Warnings, w => w.Contains("fencing is unverified", StringComparison.Ordinal));
        Assert.Equal("check-old-master-down", runbook.Steps[0].Id);
        Assert.IsType<UnreachableProbe>(runbook.Steps[0].Verify);
        Assert.DoesNotContain(runbook.Steps, s => s.Id.StartsWith("fence-", StringComparison.Ordinal));
    }

    [Fact]
    public void Xc_uses_the_datanode_mode_recovery_conf_and_the_managed_file_instead_of_alter_system()
    {
        var (topology, cluster) = MasterDead(Flavor.PostgresXc);
        var runbook = PromotePlanner.Plan(topology, cluster.Snapshot(topology), new PromoteRequest("datanode1", false), InSync, true).Runbook!;

        Assert.Contains("-Z datanode", runbook.Steps.Single(s => s.Id == "promote-slave").Action.Text);
        Assert.Contains("/home/postgresxc/pgxc/datanode/recovery.conf", runbook.Steps.Single(s => s.Id == "fence-mark-read-only").Action.Text);
        Assert.Equal(["clear-sync-on-new-master-include", "clear-sync-on-new-master-write", "clear-sync-on-new-master-reload"],
            runbook.Steps.Where(s => s.Id.StartsWith("clear-sync", StringComparison.Ordinal)).Select(s => s.Id));
        Assert.DoesNotContain(runbook.Steps, s => s.Action.Text.Contains("ALTER SYSTEM", StringComparison.Ordinal));
    }

    [Fact]
    public void A_dead_slave_an_already_promoted_slave_and_an_unknown_datanode_are_refused_with_the_next_step()
    {
        var (topology, cluster) = MasterDead();
        cluster.Servers["node02:20010"].Running = false;
        var dead = PromotePlanner.Plan(topology, cluster.Snapshot(topology), new PromoteRequest("datanode1", false), InSync, true);
        Assert.Contains("does not answer", dead.Refusal);

        cluster.Servers["node02:20010"].Running = true;
        cluster.Servers["node02:20010"].InRecovery = false;
        var promoted = PromotePlanner.Plan(topology, cluster.Snapshot(topology), new PromoteRequest("datanode1", false), InSync, true);
        Assert.Contains("already writable", promoted.Refusal);
        Assert.Equal("/pgxc repoint datanode1", promoted.NextStep);

        var unknown = PromotePlanner.Plan(topology, cluster.Snapshot(topology), new PromoteRequest("datanode9", false), InSync, true);
        Assert.Contains("configured: datanode1, datanode2", unknown.Refusal);
    }

    [Fact]
    public void The_fingerprint_changes_when_a_command_changes_and_not_otherwise()
    {
        var (topology, cluster) = MasterDead();
        var snapshot = cluster.Snapshot(topology);
        var a = PromotePlanner.Plan(topology, snapshot, new PromoteRequest("datanode1", false), InSync, true).Runbook!;
        var b = PromotePlanner.Plan(topology, snapshot, new PromoteRequest("datanode1", false), InSync, true).Runbook!;
        var c = PromotePlanner.Plan(topology, snapshot, new PromoteRequest("datanode1", false), InSync, false).Runbook!;
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.NotEqual(a.Fingerprint, c.Fingerprint);
    }
}
