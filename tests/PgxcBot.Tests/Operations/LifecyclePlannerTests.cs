using PgxcBot.Core.Runbooks.Planners;
using PgxcBot.Core.Servers;

namespace PgxcBot.Tests.Operations;

public class LifecyclePlannerTests
{
    private static readonly MasterSettings Ready = new("replica", 10, "off", "");
    private static readonly LifecycleFacts EmptySlaveDir = new(Ready, DataDirState.Absent, null, null);

    /// <summary>datanode1's master runs; its slave on node02 is not there yet.</summary>
    private static (ClusterTopology, FakeCluster) NoSlaveYet(Flavor flavor = Flavor.PostgreSql)
    {
        var topology = RunbookTopologies.TwoNodes(flavor);
        var cluster = new FakeCluster(topology);
        cluster.Servers["node02:20010"].Running = false;
        return (topology, cluster);
    }

    private static Runbook AddSlave(ClusterTopology topology, FakeCluster cluster, LifecycleFacts facts, LifecycleRequest? request = null)
    {
        var plan = AddSlavePlanner.Plan(topology, cluster.Snapshot(topology), request ?? new LifecycleRequest("datanode1"), facts);
        Assert.True(plan.Runbook is not null, plan.Refusal);
        return plan.Runbook!;
    }

    private static string Text(Runbook runbook, string id) => runbook.Steps.Single(s => s.Id == id).Action.Text;

    /// <summary>The data argument ($1) of a step's constant script: the file content or the line it writes.</summary>
    private static string Data(Runbook runbook, string id) =>
        Assert.IsType<RunCommand>(runbook.Steps.Single(s => s.Id == id).Action).Command.Arguments[4];

    [Fact]
    public void Add_slave_on_postgresql_prepares_the_master_copies_follows_and_ends_synchronous()
    {
        var (topology, cluster) = NoSlaveYet();
        var runbook = AddSlave(topology, cluster, EmptySlaveDir);

        Assert.Equal(
            ["master-replication-settings", "master-hba", "master-reload", "prepare-slave-dir", "base-backup", "forget-copied-master",
             "write-pgxcbot-server-conf", "write-standby-signal", "include-server-conf", "start-slave", "wait-streaming", "wait-caught-up", "set-sync"],
            runbook.Steps.Select(s => s.Id));
        Assert.Empty(runbook.Warnings);
        Assert.Equal("[node01]=# ALTER SYSTEM SET max_wal_senders = '10';\n[node01]=# ALTER SYSTEM SET wal_level = 'replica';\n[node01]=# SELECT pg_reload_conf();",
            Text(runbook, "master-replication-settings").Replace("datanode1 master node01:20006", "node01", StringComparison.Ordinal));
        Assert.Equal("host replication postgresxc node02 trust", Data(runbook, "master-hba"));
        Assert.EndsWith(" /home/postgresxc/pgxc/datanode/pg_hba.conf", Text(runbook, "master-hba"));
        Assert.EndsWith("pgxcbot-base-backup /home/postgresxc/pgxc/datanode1_slave pg_basebackup node01 20006 postgresxc", Text(runbook, "base-backup"));
        Assert.Contains("-D \"$1.pgxcbot-incoming\" -X stream -c fast -w && rmdir \"$1\" && mv \"$1.pgxcbot-incoming\" \"$1\"", Text(runbook, "base-backup"));
        Assert.EndsWith("pgxcbot-prepare-dir /home/postgresxc/pgxc/datanode1_slave pg_ctl refuse", Text(runbook, "prepare-slave-dir"));
        var server = Data(runbook, "write-pgxcbot-server-conf");
        Assert.Contains("port = '20010'", server);
        Assert.Contains("hot_standby = 'on'", server);
        Assert.Contains("primary_conninfo = 'host=node01 port=20006 user=postgresxc application_name=datanode1_slave'", server);
        Assert.EndsWith("/home/postgresxc/pgxc/datanode1_slave/pgxcbot-server.conf", Text(runbook, "write-pgxcbot-server-conf"));
        Assert.Equal("[node02]$ pg_ctl start -w -t 60 -l /home/postgresxc/pgxc/datanode1_slave.pgxcbot.log -D /home/postgresxc/pgxc/datanode1_slave",
            Text(runbook, "start-slave"));
        Assert.Contains("ALTER SYSTEM SET synchronous_standby_names = 'datanode1_slave'", Text(runbook, "set-sync"));
        // Every step can tell it is already done: this is what makes a second run change nothing.
        Assert.All(runbook.Steps, s => Assert.NotNull(s.DoneWhen));
    }

    [Fact]
    public void Add_slave_with_async_only_stops_at_streaming()
    {
        var (topology, cluster) = NoSlaveYet();
        var runbook = AddSlave(topology, cluster, EmptySlaveDir, new LifecycleRequest("datanode1", AsyncOnly: true));
        Assert.Equal("wait-streaming", runbook.Steps[^1].Id);
    }

    [Fact]
    public void A_master_with_wal_level_minimal_gets_a_restart_step_and_the_plan_says_so()
    {
        var (topology, cluster) = NoSlaveYet();
        var runbook = AddSlave(topology, cluster, EmptySlaveDir with { MasterSettings = new MasterSettings("minimal", 0, "off", "") });

        var restart = runbook.Steps.Single(s => s.Id == "restart-master");
        Assert.Equal("[node01]$ pg_ctl restart -w -t 60 -m fast -l /home/postgresxc/pgxc/datanode.pgxcbot.log -D /home/postgresxc/pgxc/datanode", restart.Action.Text);
        Assert.Equal(runbook.Steps.Select(s => s.Id).ToList().IndexOf("master-replication-settings") + 1, runbook.Steps.ToList().IndexOf(restart));
        var warning = Assert.Single(runbook.Warnings);
        Assert.Contains("wal_level minimal → replica, max_wal_senders 0 → 10", warning);
        Assert.Contains("Approving this plan approves the restart", warning);
    }

    [Fact]
    public void An_archive_directory_adds_archiving_which_needs_a_restart_and_the_slave_restores_from_it()
    {
        var (topology, cluster) = NoSlaveYet();
        var pair = topology.FindDatanode("datanode1")! with { ArchiveDir = "/home/postgresxc/pgxc/datanode1_arclog" };
        topology = topology.WithPair(pair);
        var runbook = AddSlave(topology, cluster, EmptySlaveDir);

        Assert.Equal("[node02]$ mkdir -p /home/postgresxc/pgxc/datanode1_arclog", Text(runbook, "archive-dir"));
        var settings = Text(runbook, "master-replication-settings");
        Assert.Contains("ALTER SYSTEM SET archive_mode = 'on'", settings);
        Assert.Contains("ALTER SYSTEM SET archive_command = 'rsync -a --ignore-existing %p node02:/home/postgresxc/pgxc/datanode1_arclog/%f'", settings);
        Assert.Contains(runbook.Steps, s => s.Id == "restart-master");
        var server = Data(runbook, "write-pgxcbot-server-conf");
        Assert.Contains("restore_command = 'cp /home/postgresxc/pgxc/datanode1_arclog/%f %p'", server);
        Assert.Contains("archive_cleanup_command = 'pg_archivecleanup /home/postgresxc/pgxc/datanode1_arclog %r'", server);
    }

    [Fact]
    public void Xc_writes_recovery_conf_and_the_masters_own_include_file_and_runs_pg_ctl_in_datanode_mode()
    {
        var (topology, cluster) = NoSlaveYet(Flavor.PostgresXc);
        var runbook = AddSlave(topology, cluster, EmptySlaveDir);

        Assert.DoesNotContain(runbook.Steps, s => s.Action.Text.Contains("ALTER SYSTEM", StringComparison.Ordinal));
        Assert.DoesNotContain(runbook.Steps, s => s.Id == "forget-copied-master");
        Assert.Contains("/home/postgresxc/pgxc/datanode/pgxcbot-server.conf", Text(runbook, "master-replication-settings"));
        Assert.Contains("include_if_exists = '\\''pgxcbot-server.conf'\\''", Text(runbook, "master-include-server-conf"));
        var recovery = Data(runbook, "write-recovery-conf");
        Assert.Contains("standby_mode = 'on'", recovery);
        Assert.Contains("primary_conninfo = 'host=node01 port=20006 user=postgresxc application_name=datanode1_slave'", recovery);
        Assert.Contains("-Z datanode", Text(runbook, "start-slave"));
        Assert.Equal(["set-sync-include", "set-sync-write", "set-sync-reload"], runbook.Steps.Where(s => s.Id.StartsWith("set-sync", StringComparison.Ordinal)).Select(s => s.Id));
    }

    [Fact]
    public void A_non_empty_slave_directory_is_refused_unless_it_may_be_moved_aside()
    {
        var (topology, cluster) = NoSlaveYet();
        var facts = EmptySlaveDir with { SlaveDir = DataDirState.NotEmpty };
        var refused = AddSlavePlanner.Plan(topology, cluster.Snapshot(topology), new LifecycleRequest("datanode1"), facts);
        Assert.Contains("is not empty", refused.Refusal);
        Assert.Equal("empty it yourself, or let the bot rename it to /home/postgresxc/pgxc/datanode1_slave.pgxcbot-<time>: /pgxc add-slave datanode1 --move-aside", refused.NextStep);

        var runbook = AddSlave(topology, cluster, facts, new LifecycleRequest("datanode1", MoveAside: true));
        Assert.EndsWith("pg_ctl move-aside", Text(runbook, "prepare-slave-dir"));
        Assert.Contains(runbook.Warnings, w => w.Contains("not deleted", StringComparison.Ordinal));
    }

    [Fact]
    public void A_slave_that_already_streams_is_planned_again_with_every_step_able_to_skip_and_a_stray_server_is_sent_to_rebuild()
    {
        var topology = RunbookTopologies.TwoNodes();
        var cluster = new FakeCluster(topology); // slave runs and streams
        var again = AddSlave(topology, cluster, EmptySlaveDir with { SlaveDir = DataDirState.NotEmpty });
        Assert.Contains(again.Warnings, w => w.Contains("already streams", StringComparison.Ordinal));

        cluster.Servers["node02:20010"].InRecovery = false; // answers, but is no standby of this master
        var stray = AddSlavePlanner.Plan(topology, cluster.Snapshot(topology), new LifecycleRequest("datanode1"), EmptySlaveDir with { SlaveDir = DataDirState.NotEmpty });
        Assert.Equal("/pgxc rebuild datanode1", stray.NextStep);
    }

    [Fact]
    public void Add_slave_refuses_an_unreachable_slave_host_and_a_dead_master()
    {
        var (topology, cluster) = NoSlaveYet();
        var noSsh = AddSlavePlanner.Plan(topology, cluster.Snapshot(topology), new LifecycleRequest("datanode1"),
            EmptySlaveDir with { SlaveDir = DataDirState.Unknown, SlaveHostError = "node02: no route" });
        Assert.Contains("node02: no route", noSsh.Refusal);
        cluster.Servers["node01:20006"].Running = false;
        var dead = AddSlavePlanner.Plan(topology, cluster.Snapshot(topology), new LifecycleRequest("datanode1"), EmptySlaveDir);
        Assert.Contains("not a running, writable master", dead.Refusal);
    }

    /// <summary>After a promote: node02 is master, the old master node01 is the stale slave, stopped.</summary>
    private static (ClusterTopology, FakeCluster) Promoted(Flavor flavor = Flavor.PostgreSql)
    {
        var configured = RunbookTopologies.TwoNodes(flavor);
        var cluster = new FakeCluster(configured);
        cluster.Servers["node02:20010"].InRecovery = false;
        cluster.Servers["node01:20006"].Running = false;
        var pair = configured.FindDatanode("datanode1")!;
        return (configured.WithPair(pair with { Master = pair.Slave!, Slave = pair.Master }), cluster);
    }

    private static readonly ControlData Rewindable = new("in production", null, 1, DataChecksums: false, WalLogHints: true);

    [Fact]
    public void Rebuild_rewinds_an_old_master_with_wal_log_hints_and_follows_the_new_master()
    {
        var (topology, cluster) = Promoted();
        var plan = RebuildPlanner.Plan(topology, cluster.Snapshot(topology), new LifecycleRequest("datanode1"),
            new LifecycleFacts(Ready, DataDirState.NotEmpty, Rewindable, null));

        var runbook = plan.Runbook!;
        Assert.Equal(
            ["master-replication-settings", "master-hba", "master-reload", "stop-old-master", "checkpoint-master", "rewind-old-master", "forget-copied-master",
             "write-pgxcbot-server-conf", "write-standby-signal", "include-server-conf", "start-slave", "wait-streaming", "wait-caught-up", "set-sync"],
            runbook.Steps.Select(s => s.Id));
        Assert.Equal("host replication postgresxc node01 trust", Data(runbook, "master-hba"));
        Assert.StartsWith("[node02]$", Text(runbook, "master-hba"));
        Assert.Equal("[datanode1 master node02:20010]=# CHECKPOINT;", Text(runbook, "checkpoint-master"));
        Assert.Equal("[node01]$ sh -c 'rm -f \"$1/standby.signal\" \"$1/recovery.conf\" && \"$2\" --target-pgdata=\"$1\" --source-server=\"$3\" --progress' " +
                     "pgxcbot-rewind /home/postgresxc/pgxc/datanode pg_rewind 'host=node02 port=20010 user=postgresxc dbname=postgres'", Text(runbook, "rewind-old-master"));
        Assert.Contains("primary_conninfo = 'host=node02 port=20010 user=postgresxc application_name=datanode1_slave'", Data(runbook, "write-pgxcbot-server-conf"));
        Assert.Contains("port = '20006'", Data(runbook, "write-pgxcbot-server-conf"));
        Assert.StartsWith("[datanode1 master node02:20010]=# ALTER SYSTEM SET synchronous_standby_names = 'datanode1_slave'", Text(runbook, "set-sync"));
    }

    [Fact]
    public void Rebuild_without_hint_bits_or_on_xl_takes_a_base_backup_and_moves_the_old_data_aside()
    {
        var (topology, cluster) = Promoted();
        var noHints = RebuildPlanner.Plan(topology, cluster.Snapshot(topology), new LifecycleRequest("datanode1"),
            new LifecycleFacts(Ready, DataDirState.NotEmpty, Rewindable with { WalLogHints = false }, null)).Runbook!;
        Assert.Contains(noHints.Steps, s => s.Id == "base-backup");
        Assert.DoesNotContain(noHints.Steps, s => s.Id == "rewind-old-master");
        Assert.EndsWith("pgxcbot-prepare-dir /home/postgresxc/pgxc/datanode pg_ctl move-aside", Text(noHints, "prepare-slave-dir"));
        Assert.Contains(noHints.Warnings, w => w.Contains("neither wal_log_hints nor data checksums", StringComparison.Ordinal) && w.Contains("not deleted", StringComparison.Ordinal));

        var forced = RebuildPlanner.Plan(topology, cluster.Snapshot(topology), new LifecycleRequest("datanode1", ForceBaseBackup: true),
            new LifecycleFacts(Ready, DataDirState.NotEmpty, Rewindable, null)).Runbook!;
        Assert.Contains(forced.Steps, s => s.Id == "base-backup");

        var (xl, xlCluster) = Promoted(Flavor.PostgresXl);
        var onXl = RebuildPlanner.Plan(xl, xlCluster.Snapshot(xl), new LifecycleRequest("datanode1"),
            new LifecycleFacts(Ready, DataDirState.NotEmpty, Rewindable, null)).Runbook!;
        Assert.Contains(onXl.Steps, s => s.Id == "base-backup");
        Assert.Contains("-Z datanode", Text(onXl, "start-slave"));
    }

    [Fact]
    public void Rebuild_refuses_an_old_master_that_still_takes_writes()
    {
        var (topology, cluster) = Promoted();
        cluster.Servers["node01:20006"].Running = true;
        var plan = RebuildPlanner.Plan(topology, cluster.Snapshot(topology), new LifecycleRequest("datanode1"),
            new LifecycleFacts(Ready, DataDirState.NotEmpty, Rewindable, null));
        Assert.Contains("two writable masters", plan.Refusal);
    }

    [Fact]
    public void Switchover_checks_sync_stops_cleanly_compares_wal_positions_promotes_repoints_and_restarts_the_old_master_as_slave()
    {
        var topology = RunbookTopologies.TwoNodes();
        var cluster = new FakeCluster(topology);
        var runbook = SwitchoverPlanner.Plan(topology, cluster.Snapshot(topology), new LifecycleRequest("datanode1")).Runbook!;

        Assert.Equal(
            ["check-in-sync", "stop-old-master", "verify-slave-has-all-wal", "promote-slave", "clear-sync-on-new-master",
             "repoint-coord1", "repoint-coord2", "repoint-catalog-datanode1", "repoint-catalog-datanode2",
             "master-hba", "master-reload", "forget-copied-master", "write-pgxcbot-server-conf", "write-standby-signal", "include-server-conf",
             "start-slave", "wait-streaming", "wait-caught-up", "set-sync"],
            runbook.Steps.Select(s => s.Id));
        Assert.Equal("[node01]$ pg_ctl stop -w -t 60 -m fast -D /home/postgresxc/pgxc/datanode", Text(runbook, "stop-old-master"));
        var received = Assert.IsType<WalReceivedProbe>(runbook.Steps.Single(s => s.Id == "verify-slave-has-all-wal").Verify);
        Assert.Equal("env LC_ALL=C pg_controldata /home/postgresxc/pgxc/datanode", received.ControlData.Text);
        Assert.Equal("SELECT pg_last_wal_receive_lsn()::text", received.ReceiveLsnSql);
        Assert.Equal("node02:20010", runbook.Steps.Single(s => s.Id == "promote-slave").MakesMaster);
        Assert.Contains("primary_conninfo = 'host=node02 port=20010", Data(runbook, "write-pgxcbot-server-conf"));
        Assert.Contains("[node01]$ pg_ctl start", Text(runbook, "start-slave"));
    }

    [Fact]
    public void Switchover_is_refused_for_an_async_pair_and_takes_a_base_backup_on_xc()
    {
        var topology = RunbookTopologies.TwoNodes();
        var cluster = new FakeCluster(topology);
        cluster.Servers["node01:20006"].SyncNames = "";
        var refused = SwitchoverPlanner.Plan(topology, cluster.Snapshot(topology), new LifecycleRequest("datanode1"));
        Assert.Contains("not the synchronous standby", refused.Refusal);
        Assert.Equal("/pgxc sync datanode1, then /pgxc switchover datanode1", refused.NextStep);

        var xc = RunbookTopologies.TwoNodes(Flavor.PostgresXc);
        var xcCluster = new FakeCluster(xc);
        var onXc = SwitchoverPlanner.Plan(xc, xcCluster.Snapshot(xc), new LifecycleRequest("datanode1")).Runbook!;
        Assert.Contains(onXc.Steps, s => s.Id == "base-backup");
        Assert.Contains(onXc.Warnings, w => w.Contains("cannot follow", StringComparison.Ordinal));
    }

    [Fact]
    public void Stop_goes_async_then_master_then_slave_and_start_goes_master_slave_streaming_sync()
    {
        var topology = RunbookTopologies.TwoNodes();
        var cluster = new FakeCluster(topology);
        var stop = StopStartPlanners.Stop(topology, cluster.Snapshot(topology), new LifecycleRequest("datanode1")).Runbook!;
        Assert.Equal(["stop-set-async", "stop-master", "stop-slave"], stop.Steps.Select(s => s.Id));
        Assert.Contains("synchronous_standby_names = ''", Text(stop, "stop-set-async"));
        Assert.Equal("[node02]$ pg_ctl stop -w -t 60 -m fast -D /home/postgresxc/pgxc/datanode1_slave", Text(stop, "stop-slave"));

        cluster.Servers["node01:20006"].Running = false;
        cluster.Servers["node02:20010"].Running = false;
        var start = StopStartPlanners.Start(topology, cluster.Snapshot(topology), new LifecycleRequest("datanode1")).Runbook!;
        Assert.Equal(["start-master", "start-slave", "wait-streaming", "wait-caught-up", "set-sync"], start.Steps.Select(s => s.Id));
        var asyncOnly = StopStartPlanners.Start(topology, cluster.Snapshot(topology), new LifecycleRequest("datanode1", AsyncOnly: true)).Runbook!;
        Assert.Equal("wait-streaming", asyncOnly.Steps[^1].Id);
    }

    [Fact]
    public void The_same_facts_give_the_same_fingerprint_and_different_ones_a_different_one()
    {
        var (topology, cluster) = NoSlaveYet();
        var a = AddSlave(topology, cluster, EmptySlaveDir);
        var b = AddSlave(topology, cluster, EmptySlaveDir);
        var c = AddSlave(topology, cluster, EmptySlaveDir with { MasterSettings = new MasterSettings("minimal", 0, "off", "") });
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.NotEqual(a.Fingerprint, c.Fingerprint);
    }
}
