using PgxcBot.Core.Runbooks.Planners;

namespace PgxcBot.Tests.Store;

public sealed partial class SqliteOperationStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 3, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-ops-").FullName;
    private string DbPath => Path.Combine(_dir, "state.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Runbook PromotePlan(Flavor flavor = Flavor.PostgresXl)
    {
        var topology = RunbookTopologies.TwoNodes(flavor);
        var cluster = new FakeCluster(topology);
        cluster.Servers["node01:20006"].Running = false;
        return PromotePlanner.Plan(topology, cluster.Snapshot(topology), new PromoteRequest("datanode1", true),
            new SlaveSyncEvidence(false, 1024, TimeSpan.FromSeconds(2), "test"), masterHostAnswers: false).Runbook!;
    }

    private static Operation New(Runbook plan) => new(0, plan.Kind, plan.Datanode, OperationState.AwaitingApproval,
        new Actor("111", "alice", ["777"]), T0, null, null, T0.AddMinutes(10), "abc123", plan, Operation.PendingSteps(plan), null,
        [OperationService.AcceptDataLoss]);

    [Fact]
    public async Task An_operation_round_trips_with_its_exact_plan_and_survives_reopening_the_file()
    {
        var plan = PromotePlan();
        var store = new SqliteOperationStore(await SqliteStore.OpenAsync(DbPath, null, default));
        var created = await store.CreateAsync(New(plan), default);
        Assert.True(created.Id > 0);

        var reopened = new SqliteOperationStore(await SqliteStore.OpenAsync(DbPath, null, default));
        var loaded = (await reopened.GetAsync(created.Id, default))!;

        Assert.Equal(plan.Fingerprint, loaded.Plan.Fingerprint);
        Assert.Equal(plan.Steps.Select(s => s.Action.Text), loaded.Plan.Steps.Select(s => s.Action.Text));
        Assert.Equal(plan.Acknowledgements, loaded.Plan.Acknowledgements);
        Assert.IsType<AllOf>(loaded.Plan.Steps.Single(s => s.Id == "repoint-coord1").Verify);
        Assert.IsType<UnreachableProbe>(loaded.Plan.Steps[0].Verify);
        Assert.Equal("node02:20010", loaded.Plan.Steps.Single(s => s.Id == "promote-slave").MakesMaster);
        Assert.Equal(["777"], loaded.RequestedBy.Roles);
        Assert.Equal(T0.AddMinutes(10), loaded.ApprovalExpiresAt);
        Assert.Equal([OperationService.AcceptDataLoss], loaded.Flags);
    }

    [Fact]
    public async Task A_switchover_plan_on_XL_keeps_how_its_standby_is_read_over_the_shell()
    {
        var plan = Switchover(Flavor.PostgresXl);
        var store = new SqliteOperationStore(await SqliteStore.OpenAsync(DbPath, null, default));
        var created = await store.CreateAsync(New(plan), default);

        var loaded = (await store.GetAsync(created.Id, default))!;

        var before = Assert.IsType<WalReceivedProbe>(plan.Steps.Single(s => s.Id == "verify-slave-has-all-wal").Verify).StandbyByShell!;
        var after = Assert.IsType<WalReceivedProbe>(loaded.Plan.Steps.Single(s => s.Id == "verify-slave-has-all-wal").Verify).StandbyByShell!;
        Assert.Equal((before.HostName, before.DataDir, before.Command.Text), (after.HostName, after.DataDir, after.Command.Text));
    }

    [Fact]
    public async Task Step_updates_are_kept_and_open_and_history_queries_filter_by_state_and_datanode()
    {
        var store = new SqliteOperationStore(await SqliteStore.OpenAsync(DbPath, null, default));
        var a = await store.CreateAsync(New(PromotePlan()), default);
        var b = await store.CreateAsync(New(PromotePlan()) with { Datanode = "datanode2" }, default);

        var steps = a.Steps.Select(s => s.Index == 0 ? s with { Status = StepStatus.Running, StartedAt = T0 } : s).ToArray();
        Assert.NotNull(await store.ReplaceAsync(a, a with { State = OperationState.Running, Steps = steps }, default));
        Assert.NotNull(await store.ReplaceAsync(b, b with { State = OperationState.Cancelled, Result = "cancelled by bob" }, default));

        var open = Assert.Single(await store.GetOpenAsync(default));
        Assert.Equal(a.Id, open.Id);
        Assert.Equal(StepStatus.Running, open.Steps[0].Status);
        Assert.Equal([b.Id, a.Id], (await store.GetHistoryAsync(null, 10, default)).Select(o => o.Id));
        Assert.Equal([b.Id], (await store.GetHistoryAsync("datanode2", 10, default)).Select(o => o.Id));
    }

    [Fact]
    public async Task Stored_roles_replace_the_previous_ones_per_datanode()
    {
        var store = new SqliteTopologyStore(await SqliteStore.OpenAsync(DbPath, null, default));
        var a = new ServerLocation("node01", "node01", 20006, "/d1");
        var b = new ServerLocation("node02", "node02", 20010, "/d2");
        await store.SaveRolesAsync(new StoredRoles("datanode1", b, a, T0, "promote"), default);
        await store.SaveRolesAsync(new StoredRoles("datanode1", a, b, T0.AddHours(1), "switchover"), default);

        var roles = Assert.Single(await store.GetRolesAsync(default));
        Assert.Equal(a, roles.Master);
        Assert.Equal("switchover", roles.Reason);
    }
}
