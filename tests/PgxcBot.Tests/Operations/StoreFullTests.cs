using System.Net;
using Microsoft.Data.Sqlite;
using PgxcBot.Monitoring;
using PgxcBot.Monitoring.Health;

namespace PgxcBot.Tests.Operations;

/// <summary>
/// The store stops taking writes in the middle of an operation: the answer says exactly which steps ran, the
/// operation can be resumed as soon as the store writes again, in the same process, and the health check
/// names the store meanwhile. The full disk is SQLite's own: <c>max_page_count</c> at the file's size after a
/// VACUUM (no free page left), so every write that needs a page fails with SQLITE_FULL, as on a full disk.
/// </summary>
public sealed class StoreFullTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-full-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero));
    private readonly OperationLab _lab;

    public StoreFullTests()
    {
        _lab = new OperationLab(_time);
        // The old master still runs (a planned failover of a master the monitor lost): the fence really stops it.
        _lab.Cluster.Servers["node01:20006"].Running = true;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string DbPath => Path.Combine(_dir, "state.db");

    /// <summary>The disk is full from now on: no free page in the file, and it may not grow.</summary>
    private static async Task FillAsync(SqliteStore store)
    {
        await using var connection = new SqliteConnection($"Data Source={store.Path};Pooling=False");
        await connection.OpenAsync();
        await using var vacuum = connection.CreateCommand();
        vacuum.CommandText = "VACUUM;";
        await vacuum.ExecuteNonQueryAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "PRAGMA page_count;";
        store.MaxPageCount = (long)(await count.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_full_disk_after_the_fence_stops_the_promote_says_what_ran_and_resume_finishes_it_once_space_returns_without_a_restart()
    {
        var store = await SqliteStore.OpenAsync(DbPath, null, default);
        var operations = new SqliteOperationStore(store, _time);
        var shell = new HookedShell(_lab.Cluster, async command =>
        {
            if (command.Text.Contains("pg_ctl stop", StringComparison.Ordinal)) await FillAsync(store);
        });
        var service = _lab.Service(operations, new SqliteTopologyStore(store), shell: shell);
        var op = (await service.RequestAsync("promote", "datanode1", [], OperationLab.Alice, default)).Operation!;

        var stopped = (await service.ApproveAsync(op.Id, op.Nonce, OperationLab.Bob, [], default)).Operation!;

        // The answer: interrupted, the fence ran (it did: the master is down), nothing after it ran.
        Assert.Equal(OperationState.Interrupted, stopped.State);
        Assert.Contains($"the store {store.Path} could not write", stopped.Result);
        Assert.Contains("the database or its disk is full (SQLite error 13)", stopped.Result);
        Assert.Contains("Steps that ran: 1. Fence: stop the old master on node01 (immediate) (done).", stopped.Result);
        Assert.Contains("Not started: step 2 \"Fence: make the old master start as a standby if it is restarted\" and later ones.", stopped.Result);
        Assert.Contains("past its point of no return", stopped.Result);
        Assert.Contains($"/pgxc resume {op.Id}", stopped.Result);
        Assert.DoesNotContain("Nothing further was started", stopped.Result);
        Assert.False(_lab.Cluster.Servers["node01:20006"].Running);
        Assert.True(_lab.Cluster.Servers["node02:20010"].InRecovery);
        Assert.Equal(StepStatus.Succeeded, stopped.Steps[0].Status);

        // The store could not take it: it still shows the fence running.
        var recorded = (await operations.GetAsync(op.Id, default))!;
        Assert.Equal(OperationState.Running, recorded.State);
        Assert.Equal(StepStatus.Running, recorded.Steps[0].Status);

        // /healthz: 503, naming the store.
        await using (var health = await HealthAsync(store))
        {
            var (status, body, _) = await health.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Contains(store.Path, body);
            Assert.Contains("full", body);
        }

        // Still full: resume and a new promote are refused with the reason, cancel with the point of no return.
        var early = await service.ResumeAsync(op.Id, OperationLab.Alice, default);
        Assert.Contains("cannot be resumed yet: the store still cannot record it", early.Refusal);
        var another = await service.RequestAsync("promote", "datanode1", [], OperationLab.Carol, default);
        Assert.Contains($"already has operation {op.Id}", another.Refusal);
        Assert.Contains("past its point of no return", (await service.CancelAsync(op.Id, OperationLab.Alice, default)).Refusal);
        Assert.Equal(0, _lab.Cluster.Ran("pg_ctl promote"));

        // Space returns. Same process, no restart.
        store.MaxPageCount = null;
        await using (var health = await HealthAsync(store))
        {
            var (status, body, _) = await health.GetAsync("/healthz");
            Assert.True(status == HttpStatusCode.OK, body);
        }
        var resumed = await service.ResumeAsync(op.Id, OperationLab.Alice, default);
        Assert.True(resumed.Operation?.State == OperationState.Succeeded, resumed.Refusal ?? resumed.Operation?.Result);
        Assert.Equal(1, _lab.Cluster.Ran("pg_ctl stop"));     // the fence was not run again
        Assert.Equal(1, _lab.Cluster.Ran("pg_ctl promote"));
        Assert.False(_lab.Cluster.Servers["node02:20010"].InRecovery);

        var final = (await operations.GetAsync(op.Id, default))!;
        Assert.Equal(OperationState.Succeeded, final.State);
        Assert.Equal([DecisionKind.Requested, DecisionKind.Approved, DecisionKind.Interrupted, DecisionKind.Resumed, DecisionKind.Succeeded],
            final.Decisions.Select(d => d.Kind));
        Assert.Null(store.WriteFailure);
    }

    [Fact]
    public async Task A_store_that_cannot_record_the_approval_runs_nothing_and_the_approval_works_once_it_can()
    {
        var store = new MemoryOperationStore();
        var service = _lab.Service(store, new MemoryTopologyStore());
        var op = (await service.RequestAsync("promote", "datanode1", [], OperationLab.Alice, default)).Operation!;

        store.Full = true;
        var refused = await service.ApproveAsync(op.Id, op.Nonce, OperationLab.Bob, [], default);
        Assert.Contains("could not be stored", refused.Refusal);
        Assert.Contains("Nothing ran.", refused.Refusal);
        Assert.Equal(0, _lab.Cluster.Ran("pg_ctl"));

        store.Full = false;
        Assert.Equal(OperationState.Succeeded, (await service.ApproveAsync(op.Id, op.Nonce, OperationLab.Bob, [], default)).Operation!.State);
    }

    [Fact]
    public async Task A_step_that_cannot_be_recorded_as_started_does_not_run()
    {
        var store = new MemoryOperationStore();
        var events = new FullAfter(store, OperationEventKind.StepFinished, stepIndex: 0);
        var service = _lab.Service(store, new MemoryTopologyStore(), events: events);
        var op = (await service.RequestAsync("promote", "datanode1", [], OperationLab.Alice, default)).Operation!;

        var stopped = (await service.ApproveAsync(op.Id, op.Nonce, OperationLab.Bob, [], default)).Operation!;

        Assert.Equal(OperationState.Interrupted, stopped.State);
        Assert.Contains("could not record the start of step 2 \"Fence: make the old master start as a standby if it is restarted\", which therefore did not run", stopped.Result);
        Assert.Contains("Steps that ran: 1. Fence: stop the old master on node01 (immediate) (done).", stopped.Result);
        Assert.Equal(0, _lab.Cluster.Ran("pgxcbot-write"));
        Assert.Equal(StepStatus.Pending, stopped.Steps[1].Status);

        store.Full = false;
        var resumed = await service.ResumeAsync(op.Id, OperationLab.Bob, default);
        Assert.Equal(OperationState.Succeeded, resumed.Operation!.State);
        Assert.Equal(1, _lab.Cluster.Ran("pg_ctl stop"));
    }

    [Fact]
    public async Task A_result_that_cannot_be_recorded_is_told_and_written_as_soon_as_the_store_writes_again()
    {
        var store = new MemoryOperationStore();
        var events = new FullAfter(store, OperationEventKind.StepFinished, stepIndex: null);
        var service = _lab.Service(store, new MemoryTopologyStore(), events: events);
        var op = (await service.RequestAsync("promote", "datanode1", [], OperationLab.Alice, default)).Operation!;
        events.StepIndex = op.Steps.Count - 1;

        var done = (await service.ApproveAsync(op.Id, op.Nonce, OperationLab.Bob, [], default)).Operation!;
        Assert.Equal(OperationState.Succeeded, done.State);
        Assert.Contains("The store could not record this result", done.Result);
        Assert.Equal(OperationState.Running, (await store.GetAsync(op.Id, default))!.State);

        store.Full = false;
        await service.RecoverAsync(default); // any next command writes what was parked first
        var recorded = (await store.GetAsync(op.Id, default))!;
        Assert.Equal(OperationState.Succeeded, recorded.State);
        Assert.All(recorded.Steps, s => Assert.Contains(s.Status, new[] { StepStatus.Succeeded, StepStatus.Skipped }));
    }

    private Task<MonitorHttpHarness> HealthAsync(SqliteStore store) => MonitorHttpHarness.StartAsync(_time, new FreshPolls(_time), store);

    /// <summary>The monitor polls on time: only the store decides the health.</summary>
    private sealed class FreshPolls(TimeProvider time) : IMonitorHealthSource
    {
        public DateTimeOffset? LastPollAt => time.GetUtcNow();
        public TimeSpan Interval => TimeSpan.FromSeconds(1);
    }

    /// <summary>Fills the (memory) store right after the given event of the given step.</summary>
    private sealed class FullAfter(MemoryOperationStore store, OperationEventKind kind, int? stepIndex) : IOperationObserver
    {
        public int? StepIndex { get; set; } = stepIndex;

        public Task OnEventAsync(OperationEvent operationEvent, CancellationToken cancellationToken)
        {
            if (operationEvent.Kind == kind && operationEvent.StepIndex == StepIndex) store.Full = true;
            return Task.CompletedTask;
        }
    }
}
