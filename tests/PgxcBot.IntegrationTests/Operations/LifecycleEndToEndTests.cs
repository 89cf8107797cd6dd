using PgxcBot.Core.Pairs;
using PgxcBot.Core.Runbooks;
using PgxcBot.Core.Servers;

namespace PgxcBot.IntegrationTests.Operations;

/// <summary>
/// add-slave, rebuild, switchover, stop and start on a real PostgreSQL 15 pair over a real SSH server,
/// each from the chat-level request to the servers' own view of replication.
/// </summary>
public sealed class LifecycleEndToEndTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));
    private CancellationToken Ct => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    private static readonly LabPairOptions MasterOnly = new() { CloneSlave = false };

    [Fact]
    public async Task Add_slave_into_an_empty_directory_ends_streaming_in_sync_and_a_second_run_changes_nothing()
    {
        await using var lab = await OperationHarness.StartAsync(LabReplicationMode.Async, Ct, MasterOnly);
        Assert.False(Directory.Exists(lab.Pair.Slave.DataDir));

        var first = await RunApprovedAsync(lab, "add-slave", []);
        Assert.Contains(first.Steps, s => s.StepId == "base-backup" && s.Status == StepStatus.Succeeded);
        await AssertStreamsInSyncAsync(lab, lab.Pair.Master, lab.Pair.Slave);
        Assert.True(File.Exists(Path.Combine(lab.Pair.Slave.DataDir, "standby.signal")));
        Assert.Equal("700", UnixMode(lab.Pair.Slave.DataDir));
        Assert.Equal(ObservedCondition.Sync, (await lab.ObserveAsync(Ct)).Pairs[0].Condition);

        var files = ConfigFiles(lab);
        var before = files.ToDictionary(f => f, File.ReadAllText);
        var second = await RunApprovedAsync(lab, "add-slave", []);
        Assert.All(second.Steps, s => Assert.True(s.Status == StepStatus.Skipped, $"{s.StepId} was {s.Status}: {s.Summary}"));
        foreach (var file in files) Assert.Equal(before[file], File.ReadAllText(file));
        foreach (var file in files) AssertNoDuplicateLines(file);
        Assert.Single(File.ReadAllLines(Path.Combine(lab.Pair.Master.DataDir, "pg_hba.conf")), l => l == PgTools.HbaReplicationLine("postgres", "127.0.0.1"));
        await AssertStreamsInSyncAsync(lab, lab.Pair.Master, lab.Pair.Slave);
    }

    [Fact]
    public async Task Add_slave_on_a_master_with_wal_level_minimal_plans_the_restart_and_performs_it_after_approval()
    {
        await using var lab = await OperationHarness.StartAsync(LabReplicationMode.Async, Ct, MasterOnly with { MinimalWal = true });
        Assert.Equal("minimal", await lab.QueryAsync<string>(lab.Pair.Master, "SHOW wal_level", Ct));

        var plan = await lab.Service.PreviewAsync("add-slave", "datanode1", [], Ct);
        var restart = Assert.Single(plan.Runbook!.Steps, s => s.Id == "restart-master");
        Assert.Contains("pg_ctl restart", restart.Action.Text);
        Assert.Contains(plan.Runbook.Warnings, w => w.Contains("must be restarted", StringComparison.Ordinal) && w.Contains("wal_level minimal → replica", StringComparison.Ordinal));

        var requested = (await lab.Service.RequestAsync("add-slave", "datanode1", [], OperationHarness.Alice, Ct)).Operation!;
        Assert.Equal(OperationState.AwaitingApproval, requested.State);
        Assert.Equal("minimal", await lab.QueryAsync<string>(lab.Pair.Master, "SHOW wal_level", Ct)); // nothing ran before approval

        var done = (await lab.Service.ApproveAsync(requested.Id, requested.Nonce, OperationHarness.Bob, [], Ct)).Operation!;
        Assert.True(done.State == OperationState.Succeeded, Explain(done));
        Assert.Equal(StepStatus.Succeeded, done.Steps.Single(s => s.StepId == "restart-master").Status);
        Assert.Equal("replica", await lab.QueryAsync<string>(lab.Pair.Master, "SHOW wal_level", Ct));
        await AssertStreamsInSyncAsync(lab, lab.Pair.Master, lab.Pair.Slave);
    }

    [Fact]
    public async Task Add_slave_into_a_non_empty_directory_is_refused_unless_the_move_aside_is_approved_and_the_old_data_survives()
    {
        await using var lab = await OperationHarness.StartAsync(LabReplicationMode.Async, Ct, MasterOnly);
        var dir = lab.Pair.Slave.DataDir;
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "operator-notes.txt"), "keep me", Ct);
        await ChownToLabUserAsync(dir);

        var refused = await lab.Service.RequestAsync("add-slave", "datanode1", [], OperationHarness.Alice, Ct);
        Assert.Contains("is not empty", refused.Refusal);
        Assert.Contains("--move-aside", refused.NextStep);
        Assert.True(File.Exists(Path.Combine(dir, "operator-notes.txt")));

        var done = await RunApprovedAsync(lab, "add-slave", [OperationService.MoveAside]);
        Assert.Contains(done.Plan.Warnings, w => w.Contains("not deleted", StringComparison.Ordinal));
        var aside = Assert.Single(Directory.GetDirectories(Path.GetDirectoryName(dir)!, Path.GetFileName(dir) + PgTools.MovedAsideSuffix + "*"));
        Assert.Equal("keep me", await File.ReadAllTextAsync(Path.Combine(aside, "operator-notes.txt"), Ct));
        await AssertStreamsInSyncAsync(lab, lab.Pair.Master, lab.Pair.Slave);
    }

    [Fact]
    public async Task Promote_then_rebuild_makes_the_old_master_stream_from_the_new_one_and_the_pair_sync_again()
    {
        await using var lab = await OperationHarness.StartAsync(LabReplicationMode.Sync, Ct);
        await lab.ObserveAsync(Ct);
        await lab.QueryAsync<int>(lab.Pair.Master, "CREATE TABLE ledger (id int PRIMARY KEY); INSERT INTO ledger VALUES (1); SELECT 1", Ct);
        await lab.Pair.Master.KillAsync(Ct);
        await Support.Poll.UntilAsync(() => lab.ObserveAsync(Ct), a => a.Pairs[0].Condition == ObservedCondition.MasterLost, Deadline, "the master lost", Ct);
        await RunApprovedAsync(lab, "promote", []);
        Assert.Equal(PairState.Promoted, await lab.Store.GetStateAsync("datanode1", Ct));

        var rebuilt = await RunApprovedAsync(lab, "rebuild", []);
        Assert.Contains(rebuilt.Steps, s => s.StepId == "base-backup" && s.Status == StepStatus.Succeeded); // PG 15 lab: no wal_log_hints, no checksums
        var (newMaster, newSlave) = (lab.Pair.Slave, lab.Pair.Master);
        await AssertStreamsInSyncAsync(lab, newMaster, newSlave);
        Assert.Equal(1L, await lab.QueryAsync<long>(newSlave, "SELECT count(*) FROM ledger", Ct));
        Assert.Single(Directory.GetDirectories(lab.Pair.Folder, "master" + PgTools.MovedAsideSuffix + "*")); // the old data, kept
        Assert.Equal(PairState.Sync, await lab.Store.GetStateAsync("datanode1", Ct));
        var roles = Assert.Single(await new PgxcBot.Store.SqliteTopologyStore(lab.Store).GetRolesAsync(Ct));
        Assert.Equal((newMaster.Port, newSlave.Port), (roles.Master.Port, roles.Slave!.Port));
    }

    [Fact]
    public async Task An_old_master_with_wal_log_hints_is_rewound_in_place_instead_of_copied()
    {
        await using var lab = await OperationHarness.StartAsync(LabReplicationMode.Sync, Ct);
        await lab.QueryAsync<bool>(lab.Pair.Master, "ALTER SYSTEM SET wal_log_hints = on; SELECT pg_reload_conf()", Ct);
        await lab.Pair.Master.StopAsync(Ct);
        await lab.Pair.Master.StartAsync(Ct);
        await lab.Pair.WaitForStreamingAsync(Deadline, Ct);
        await lab.ObserveAsync(Ct);
        await lab.QueryAsync<int>(lab.Pair.Master, "CREATE TABLE ledger (id int PRIMARY KEY); INSERT INTO ledger VALUES (1); SELECT 1", Ct);
        await lab.Pair.Master.KillAsync(Ct);
        await Support.Poll.UntilAsync(() => lab.ObserveAsync(Ct), a => a.Pairs[0].Condition == ObservedCondition.MasterLost, Deadline, "the master lost", Ct);
        await RunApprovedAsync(lab, "promote", []);
        await lab.QueryAsync<int>(lab.Pair.Slave, "INSERT INTO ledger VALUES (2); SELECT 1", Ct); // the new timeline moves on

        var rebuilt = await RunApprovedAsync(lab, "rebuild", []);
        Assert.Equal(StepStatus.Succeeded, rebuilt.Steps.Single(s => s.StepId == "rewind-old-master").Status);
        Assert.DoesNotContain(rebuilt.Steps, s => s.StepId == "base-backup");
        Assert.Empty(Directory.GetDirectories(lab.Pair.Folder, "master" + PgTools.MovedAsideSuffix + "*"));
        await AssertStreamsInSyncAsync(lab, lab.Pair.Slave, lab.Pair.Master);
        await Support.Poll.UntilAsync(() => lab.QueryAsync<long>(lab.Pair.Master, "SELECT count(*) FROM ledger", Ct), n => n == 2, Deadline, "both rows on the rewound slave", Ct);
    }

    [Fact]
    public async Task An_add_slave_interrupted_by_a_bot_death_is_found_interrupted_and_resume_finishes_it()
    {
        await using var lab = await OperationHarness.StartAsync(LabReplicationMode.Async, Ct, MasterOnly);
        using var death = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await lab.RestartBotAsync(Ct, new DieAt("start-slave", death));
        var requested = (await lab.Service.RequestAsync("add-slave", "datanode1", [], OperationHarness.Alice, Ct)).Operation!;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            lab.Service.ApproveAsync(requested.Id, requested.Nonce, OperationHarness.Bob, [], death.Token));

        await lab.RestartBotAsync(Ct);
        var interrupted = Assert.Single(await lab.Service.RecoverAsync(Ct));
        Assert.Equal(StepStatus.Running, interrupted.Steps.Single(s => s.StepId == "start-slave").Status);
        Assert.Equal(StepStatus.Succeeded, interrupted.Steps.Single(s => s.StepId == "base-backup").Status);

        var resumed = (await lab.Service.ResumeAsync(interrupted.Id, OperationHarness.Alice, Ct)).Operation!;
        Assert.True(resumed.State == OperationState.Succeeded, Explain(resumed));
        Assert.Equal(StepStatus.Succeeded, resumed.Steps.Single(s => s.StepId == "base-backup").Status); // not copied again
        await AssertStreamsInSyncAsync(lab, lab.Pair.Master, lab.Pair.Slave);
    }

    [Fact]
    public async Task Switchover_under_a_committing_writer_keeps_every_acknowledged_row_and_the_old_master_streams_as_the_new_slave()
    {
        await using var lab = await OperationHarness.StartAsync(LabReplicationMode.Sync, Ct);
        await lab.ObserveAsync(Ct);
        await using var writer = await LedgerWriter.StartAsync(lab, Ct);
        await Support.Poll.UntilAsync(() => Task.FromResult(writer.Count), n => n >= 50, Deadline, "50 commits", Ct);

        var done = await RunApprovedAsync(lab, "switchover", []);
        await writer.Stopped.WaitAsync(Deadline, Ct); // the clean stop ended its session
        Assert.True(writer.Count >= 50);

        var (newMaster, newSlave) = (lab.Pair.Slave, lab.Pair.Master);
        Assert.Equal(StepStatus.Succeeded, done.Steps.Single(s => s.StepId == "verify-slave-has-all-wal").Status);
        Assert.Equal(writer.Count, await writer.CountOnAsync(lab, newMaster, Ct));
        await AssertStreamsInSyncAsync(lab, newMaster, newSlave);
        foreach (var coordinator in lab.Coordinators)
            Assert.Equal($"datanode1|{newMaster.Port}|f", await OperationHarness.IdentityThroughAsync(coordinator, Ct));
        Assert.Equal(PairState.Sync, await lab.Store.GetStateAsync("datanode1", Ct));
    }

    [Fact]
    public async Task Stop_of_a_sync_pair_never_leaves_a_commit_hanging_and_start_brings_it_back_to_sync()
    {
        await using var lab = await OperationHarness.StartAsync(LabReplicationMode.Sync, Ct);
        await lab.ObserveAsync(Ct);
        await lab.QueryAsync<int>(lab.Pair.Master, "CREATE TABLE ledger (id int); SELECT 1", Ct);

        using var stopWriter = new CancellationTokenSource();
        var commits = 0;
        var lastCommitEnded = Stopwatch.StartNew();
        var writer = Task.Run(async () =>
        {
            try
            {
                await using var connection = new NpgsqlConnection(lab.Pair.Master.ConnectionString + ";Pooling=false;Command Timeout=0");
                await connection.OpenAsync(stopWriter.Token);
                while (!stopWriter.IsCancellationRequested)
                {
                    await using var insert = new NpgsqlCommand("INSERT INTO ledger VALUES (1)", connection);
                    await insert.ExecuteNonQueryAsync(stopWriter.Token);
                    Interlocked.Increment(ref commits);
                    lastCommitEnded.Restart();
                }
            }
            catch (Exception e) when (e is NpgsqlException or IOException) { }
        });
        await Support.Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref commits)), n => n >= 20, Deadline, "20 commits", Ct);

        var stopped = await RunApprovedAsync(lab, "stop", []);
        Assert.Equal(["stop-set-async", "stop-master", "stop-slave"], stopped.Steps.Select(s => s.StepId));
        // The writer's session ended with the master, not hanging on a commit that waits for a standby.
        await writer.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.False(lab.Pair.Master.IsRunning);
        Assert.False(lab.Pair.Slave.IsRunning);

        var started = await RunApprovedAsync(lab, "start", []);
        Assert.Equal("start-master", started.Steps[0].StepId);
        await AssertStreamsInSyncAsync(lab, lab.Pair.Master, lab.Pair.Slave);
        await lab.QueryAsync<int>(lab.Pair.Master, "INSERT INTO ledger VALUES (2); SELECT 1", Ct);
    }

    private static async Task<Operation> RunApprovedAsync(OperationHarness lab, string kind, IReadOnlyList<string> flags)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var requested = await lab.Service.RequestAsync(kind, "datanode1", flags, OperationHarness.Alice, timeout.Token);
        Assert.True(requested.Operation is not null, $"{kind} refused: {requested.Refusal} Next: {requested.NextStep}");
        var operation = requested.Operation!;
        if (operation.State == OperationState.AwaitingApproval)
            operation = (await lab.Service.ApproveAsync(operation.Id, operation.Nonce, OperationHarness.Bob, [], timeout.Token)).Operation!;
        Assert.True(operation.State == OperationState.Succeeded, Explain(operation));
        return operation;
    }

    private static async Task AssertStreamsInSyncAsync(OperationHarness lab, LabServer master, LabServer slave)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        Assert.True(await lab.QueryAsync<bool>(slave, "SELECT pg_is_in_recovery()", timeout.Token));
        await Support.Poll.UntilAsync(
            () => lab.QueryAsync<string>(master, $"SELECT coalesce((SELECT state || '|' || sync_state FROM pg_stat_replication WHERE application_name = '{lab.Pair.ApplicationName}'), 'none')", timeout.Token),
            s => s == "streaming|sync", Deadline, $"{lab.Pair.ApplicationName} streaming in sync from port {master.Port}", timeout.Token);
        Assert.Equal(slave.Port, await lab.QueryAsync<int>(slave, "SELECT inet_server_port()", timeout.Token));
    }

    private static string[] ConfigFiles(OperationHarness lab) =>
    [
        Path.Combine(lab.Pair.Master.DataDir, "pg_hba.conf"),
        Path.Combine(lab.Pair.Master.DataDir, "postgresql.auto.conf"),
        Path.Combine(lab.Pair.Slave.DataDir, "postgresql.conf"),
        Path.Combine(lab.Pair.Slave.DataDir, "postgresql.auto.conf"),
        Path.Combine(lab.Pair.Slave.DataDir, ServerFiles.ServerConf),
    ];

    private static void AssertNoDuplicateLines(string file)
    {
        var lines = File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        var duplicates = lines.GroupBy(l => l).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        Assert.True(duplicates.Length == 0, $"{file} has duplicate lines: {string.Join(" | ", duplicates)}");
    }

    private static string UnixMode(string path) =>
        OperatingSystem.IsWindows() ? "n/a" : Convert.ToString((int)File.GetUnixFileMode(path) & 0x1ff, 8);

    private static async Task ChownToLabUserAsync(string path)
    {
        using var chown = Process.Start("chown", ["-R", "pgxcbot-lab:", path])!;
        await chown.WaitForExitAsync();
        Assert.Equal(0, chown.ExitCode);
    }

    /// <summary>Cancels (the bot "dies") when the named step starts.</summary>
    private sealed class DieAt(string stepId, CancellationTokenSource death) : IOperationObserver
    {
        public Task OnEventAsync(OperationEvent operationEvent, CancellationToken cancellationToken)
        {
            if (operationEvent is { Kind: OperationEventKind.StepStarted, StepIndex: { } i } && operationEvent.Operation.Steps[i].StepId == stepId)
                death.Cancel();
            return Task.CompletedTask;
        }
    }

    private static string Explain(Operation operation) =>
        $"{operation.Kind} {operation.State}: {operation.Result}\n" + string.Join('\n', operation.Steps.Select(s => $"  {s.StepId}: {s.Status} {s.Summary} {s.Output}"));
}
