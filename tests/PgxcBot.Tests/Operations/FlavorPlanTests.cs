using PgxcBot.Core.Runbooks.Planners;
using PgxcBot.Core.Servers;

namespace PgxcBot.Tests.Operations;

/// <summary>What real Postgres-XC and Postgres-XL need from the runbooks (briefs postgres-xc.md, postgres-xl.md).</summary>
public class FlavorPlanTests
{
    private static readonly MasterSettings Ready = new("replica", 10, "off", "");
    private static readonly SlaveSyncEvidence InSync = new(true, 0, null, "proven in sync");

    private static (ClusterTopology, FakeCluster) MasterDead(Flavor flavor)
    {
        var topology = RunbookTopologies.TwoNodes(flavor);
        var cluster = new FakeCluster(topology);
        cluster.Servers["node01:20006"].Running = false;
        return (topology, cluster);
    }

    [Fact]
    public void On_XC_only_coordinators_are_repointed_and_the_pooler_check_is_left_out()
    {
        var (topology, cluster) = MasterDead(Flavor.PostgresXc);
        var runbook = PromotePlanner.Plan(topology, cluster.Snapshot(topology), new PromoteRequest("datanode1", false), InSync, true).Runbook!;

        Assert.DoesNotContain(runbook.Steps, s => s.Id.StartsWith("repoint-catalog-", StringComparison.Ordinal));
        var verify = Assert.IsType<AllOf>(runbook.Steps.Single(s => s.Id == "repoint-coord1").Verify);
        Assert.DoesNotContain(verify.Parts.OfType<SqlProbe>(), p => p.Sql == NodeSql.PoolCheck);
        Assert.Contains(verify.Parts.OfType<SqlProbe>(), p => p.Sql.Contains("::text", StringComparison.Ordinal) && p.Expected == "datanode1|20010|false");
        Assert.DoesNotContain("datanode catalog", runbook.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Flavor.PostgresXc)]
    [InlineData(Flavor.PostgresXl)]
    public void With_a_GTM_configured_the_old_node_is_unregistered_after_the_fence_and_before_the_promote_and_the_new_master_must_reach_it(Flavor flavor)
    {
        var (configured, cluster) = MasterDead(flavor);
        var topology = configured with { Gtm = new GtmSettings(new GtmServer("gtm", "node01", "node01", 20001), null, []) };

        var runbook = PromotePlanner.Plan(topology, cluster.Snapshot(topology), new PromoteRequest("datanode1", false), InSync, true).Runbook!;

        var ids = runbook.Steps.Select(s => s.Id).ToList();
        Assert.True(ids.IndexOf("fence-mark-read-only") < ids.IndexOf("gtm-unregister-old-node") && ids.IndexOf("gtm-unregister-old-node") < ids.IndexOf("promote-slave"));
        var unregister = runbook.Steps.Single(s => s.Id == "gtm-unregister-old-node");
        Assert.Equal("[gtm node01:20001] unregister datanode datanode1", unregister.Action.Text);
        Assert.Equal("SELECT pg_is_in_recovery()", Assert.IsType<SqlProbe>(unregister.DoneWhen).Sql); // skipped once the slave is promoted
        var gtm = runbook.Steps.Single(s => s.Id == "verify-gtm");
        Assert.Equal("EXECUTE DIRECT ON (\"datanode1\") 'SELECT (txid_current() > 0)::text'", Assert.IsType<SqlProbe>(gtm.Verify).Sql);
        Assert.Equal("verify-gtm", ids[^1]);
    }

    [Fact]
    public void Plain_PostgreSQL_or_no_GTM_section_means_no_GTM_steps()
    {
        var (topology, cluster) = MasterDead(Flavor.PostgresXc);
        var noGtm = PromotePlanner.Plan(topology, cluster.Snapshot(topology), new PromoteRequest("datanode1", false), InSync, true).Runbook!;
        Assert.DoesNotContain(noGtm.Steps, s => s.Id == "gtm-unregister-old-node");

        var (pg, pgCluster) = MasterDead(Flavor.PostgreSql);
        pg = pg with { Gtm = new GtmSettings(new GtmServer("gtm", "node01", "node01", 20001), null, []) };
        var plain = PromotePlanner.Plan(pg, pgCluster.Snapshot(pg), new PromoteRequest("datanode1", false), InSync, true).Runbook!;
        Assert.DoesNotContain(plain.Steps, s => s.Id is "gtm-unregister-old-node" or "verify-gtm");
    }

    [Fact]
    public void On_XL_every_datanode_catalog_is_repointed_and_the_pooler_check_is_kept()
    {
        var (topology, cluster) = MasterDead(Flavor.PostgresXl);
        var runbook = PromotePlanner.Plan(topology, cluster.Snapshot(topology), new PromoteRequest("datanode1", false), InSync, true).Runbook!;

        Assert.Equal(["repoint-catalog-datanode1", "repoint-catalog-datanode2"], runbook.Steps.Where(s => s.Id.StartsWith("repoint-catalog-", StringComparison.Ordinal)).Select(s => s.Id));
        var verify = Assert.IsType<AllOf>(runbook.Steps.Single(s => s.Id == "repoint-coord1").Verify);
        Assert.Contains(verify.Parts.OfType<SqlProbe>(), p => p.Sql == NodeSql.PoolCheck);
    }

    [Fact]
    public void A_stock_XL_standby_that_refuses_SQL_but_runs_in_recovery_can_be_promoted()
    {
        var (topology, cluster) = MasterDead(Flavor.PostgresXl);
        var snapshot = cluster.Snapshot(topology);
        var slave = snapshot.Pairs[0].Slave! with
        {
            Status = ProbeStatus.NotQueryable, Error = "XX000: Was unable to obtain a snapshot from GTM.", Facts = null,
            Process = new ProcessFacts(true, 77, new WalReceiverTitle("streaming", new Lsn(100)), null,
                new ControlData("in archive recovery", null, 1, false, false), null, TimeSpan.Zero),
        };
        snapshot = snapshot with { Pairs = [snapshot.Pairs[0] with { Slave = slave }, .. snapshot.Pairs.Skip(1)] };

        var plan = PromotePlanner.Plan(topology, snapshot, new PromoteRequest("datanode1", false), InSync, true);

        Assert.False(plan.IsRefused, plan.Refusal);
        Assert.Contains(plan.Runbook!.Steps, s => s.Id == "promote-slave" && s.Action.Text.Contains("-Z datanode", StringComparison.Ordinal));
    }

    [Fact]
    public void A_standby_that_neither_answers_nor_shows_a_running_postmaster_is_refused()
    {
        var (topology, cluster) = MasterDead(Flavor.PostgresXl);
        var snapshot = cluster.Snapshot(topology);
        var slave = snapshot.Pairs[0].Slave! with
        {
            Status = ProbeStatus.NotQueryable, Facts = null,
            Process = new ProcessFacts(false, null, null, null, null, null, TimeSpan.Zero),
        };
        snapshot = snapshot with { Pairs = [snapshot.Pairs[0] with { Slave = slave }, .. snapshot.Pairs.Skip(1)] };

        var plan = PromotePlanner.Plan(topology, snapshot, new PromoteRequest("datanode1", false), InSync, true);

        Assert.True(plan.IsRefused);
        Assert.Contains("no server runs", plan.Refusal);
    }

    [Fact]
    public void XL_rebuild_writes_the_slaves_own_pooler_port_waits_out_old_processes_and_checks_the_standby_through_the_shell()
    {
        var configured = RunbookTopologies.TwoNodes(Flavor.PostgresXl);
        var cluster = new FakeCluster(configured);
        cluster.Servers["node02:20010"].InRecovery = false;
        cluster.Servers["node01:20006"].Running = false;
        var pair = configured.FindDatanode("datanode1")!;
        var topology = configured.WithPair(pair with { Master = pair.Slave!, Slave = pair.Master });

        var runbook = RebuildPlanner.Plan(topology, cluster.Snapshot(topology), new LifecycleRequest("datanode1"),
            new LifecycleFacts(Ready, DataDirState.NotEmpty, null, null)).Runbook!;

        var settings = Assert.IsType<RunCommand>(runbook.Steps.Single(s => s.Id == "write-pgxcbot-server-conf").Action).Command.Arguments[4];
        Assert.Contains("pooler_port = '21006'", settings);
        var ids = runbook.Steps.Select(s => s.Id).ToList();
        Assert.Equal(ids.IndexOf("start-slave") - 1, ids.IndexOf("wait-old-slave-processes"));
        var standby = Assert.IsType<AllOf>(runbook.Steps.Single(s => s.Id == "start-slave").Verify);
        Assert.All(standby.Parts, p => Assert.IsType<CommandProbe>(p));
        Assert.Contains("in archive recovery", ((CommandProbe)standby.Parts[1]).Command.Text);
    }

    [Fact]
    public void XL_rebuild_without_a_pooler_port_for_the_server_is_refused_naming_the_config_field()
    {
        var configured = RunbookTopologies.TwoNodes(Flavor.PostgresXl);
        var cluster = new FakeCluster(configured);
        cluster.Servers["node02:20010"].InRecovery = false;
        cluster.Servers["node01:20006"].Running = false;
        var pair = configured.FindDatanode("datanode1")!;
        var topology = configured.WithPair(pair with { Master = pair.Slave!, Slave = pair.Master with { PoolerPort = null } });

        var plan = RebuildPlanner.Plan(topology, cluster.Snapshot(topology), new LifecycleRequest("datanode1"),
            new LifecycleFacts(Ready, DataDirState.NotEmpty, null, null));

        Assert.True(plan.IsRefused);
        Assert.Contains("no poolerPort", plan.Refusal);
        Assert.Contains("\"poolerPort\"", plan.NextStep);
    }

    [Fact]
    public void Plain_PostgreSQL_plans_have_no_XL_only_steps()
    {
        var topology = RunbookTopologies.TwoNodes(Flavor.PostgreSql);
        var cluster = new FakeCluster(topology);
        var start = StopStartPlanners.Start(topology, cluster.Snapshot(topology), new LifecycleRequest("datanode1")).Runbook!;
        Assert.DoesNotContain(start.Steps, s => s.Id.StartsWith("wait-old-", StringComparison.Ordinal));
        Assert.IsType<SqlProbe>(start.Steps.Single(s => s.Id == "start-slave").Verify);
    }

    [Fact]
    public void Repoint_routes_to_the_server_that_answers_writable_whatever_the_records_say()
    {
        var topology = RunbookTopologies.TwoNodes(Flavor.PostgreSql);
        var cluster = new FakeCluster(topology);
        // A switchover happened behind the bot's back (or its store was lost): node02 is the master now.
        cluster.Servers["node02:20010"].InRecovery = false;
        cluster.Servers["node01:20006"].InRecovery = true;

        var plan = ReplicationPlanners.Repoint(topology, cluster.Snapshot(topology), "datanode1");

        var runbook = Assert.IsType<Runbook>(plan.Runbook);
        Assert.Equal("ALTER NODE \"datanode1\" WITH (HOST = 'node02', PORT = 20010)", Assert.IsType<RunSql>(runbook.Steps[0].Action).Statements[0]);
        Assert.Equal("node02:20010", runbook.Steps[0].MakesMaster);
        Assert.Contains(runbook.Warnings, w => w.Contains("answers writable now is node02:20010", StringComparison.Ordinal));
    }

    [Fact]
    public void Repoint_refuses_with_two_writable_servers_or_none()
    {
        var topology = RunbookTopologies.TwoNodes(Flavor.PostgreSql);
        var cluster = new FakeCluster(topology);
        cluster.Servers["node02:20010"].InRecovery = false;
        Assert.Contains("split brain", ReplicationPlanners.Repoint(topology, cluster.Snapshot(topology), "datanode1").Refusal);

        cluster.Servers["node02:20010"].InRecovery = true;
        cluster.Servers["node01:20006"].Running = false;
        Assert.Contains("nothing to route", ReplicationPlanners.Repoint(topology, cluster.Snapshot(topology), "datanode1").Refusal);
    }
}
