namespace PgxcBot.Tests.Operations;

/// <summary>
/// Two writers racing each change of an operation's state: two bot "processes" (each its own store connection
/// and runner id) on one SQLite file, started together. Whichever wins, the invariants hold: one run, and
/// the loser hears what the winner did.
/// </summary>
public sealed class OperationRaceTests : IDisposable
{
    private const int Rounds = 5;
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-race-").FullName;
    private int _round;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A fresh lab, one store file, and two processes on it.</summary>
    private async Task<Race> NewRaceAsync(IClusterObserver? observerA = null, IClusterObserver? observerB = null)
    {
        var path = Path.Combine(_dir, $"state-{++_round}.db");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero));
        var lab = new OperationLab(time);
        var a = await SqliteStore.OpenAsync(path, null, default);
        var b = await SqliteStore.OpenAsync(path, null, default);
        var storeA = new SqliteOperationStore(a, time);
        var storeB = new SqliteOperationStore(b, time);
        return new Race(lab, time, storeA,
            Service(lab, storeA, new SqliteTopologyStore(a), observerA), Service(lab, storeB, new SqliteTopologyStore(b), observerB));
    }

    private static OperationService Service(OperationLab lab, IOperationStore store, ITopologyStore roles, IClusterObserver? observer) =>
        observer is null
            ? lab.Service(store, roles)
            : new OperationService(new TopologyState(lab.Topology, roles, lab.Time), observer, store, new StepExecutor(lab.Cluster, lab.Cluster, TimeProvider.System),
                lab.Cluster, new SyncEvidenceSource(lab.Cluster.Memory), lab.Policy, new OperationLab.Recorder(), NullPairOperationSink.Instance, lab.Time, OperationLab.NewProcess());

    private sealed record Race(OperationLab Lab, FakeTimeProvider Time, IOperationStore Store, OperationService A, OperationService B)
    {
        public async Task<Operation> RequestPromoteAsync()
        {
            var requested = await A.RequestAsync("promote", "datanode1", [], OperationLab.Alice, default);
            Assert.Equal(OperationState.AwaitingApproval, requested.Operation!.State);
            return requested.Operation;
        }

        public async Task<Operation> StoredAsync(long id) => (await Store.GetAsync(id, default))!;
    }

    /// <summary>Starts both at the same moment (on the thread pool) and waits for both.</summary>
    private static async Task<(OperationReply A, OperationReply B)> TogetherAsync(Func<Task<OperationReply>> a, Func<Task<OperationReply>> b)
    {
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = Task.Run(async () => { await go.Task; return await a(); });
        var second = Task.Run(async () => { await go.Task; return await b(); });
        go.SetResult();
        var both = await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(30));
        return (both[0], both[1]);
    }

    private static string Explain(OperationReply reply) => reply.Refusal ?? $"{reply.Operation?.State}: {reply.Operation?.Result}";

    [Fact]
    public async Task Approve_against_approve_runs_the_promote_once_and_tells_the_second_approver_who_won()
    {
        for (var i = 0; i < Rounds; i++)
        {
            // Both approvers pass every check and re-plan before either claims: the claim itself is the race.
            var barrier = new ObserveBarrier(2);
            var race = await NewRaceAsync(barrier, barrier);
            barrier.Inner = race.Lab.Cluster;
            var op = await race.RequestPromoteAsync();
            barrier.Arm();

            var (bob, carol) = await TogetherAsync(
                () => race.A.ApproveAsync(op.Id, op.Nonce, OperationLab.Bob, [], default),
                () => race.B.ApproveAsync(op.Id, op.Nonce, OperationLab.Carol, [], default));

            var winners = new[] { bob, carol }.Where(r => !r.IsRefused).ToArray();
            var winner = Assert.Single(winners);
            Assert.True(winner.Operation!.State == OperationState.Succeeded, Explain(winner));
            var loser = bob.IsRefused ? bob : carol;
            var winnerName = winner.Operation.ApprovedBy!.DisplayName;
            Assert.Contains($"already approved by {winnerName}", loser.Refusal);
            Assert.Equal(1, race.Lab.Cluster.Ran("pg_ctl promote"));
            var stored = await race.StoredAsync(op.Id);
            Assert.Equal(OperationState.Succeeded, stored.State);
            Assert.Single(stored.Decisions, d => d.Kind == DecisionKind.Approved);
        }
    }

    [Fact]
    public async Task Approve_against_cancel_either_runs_or_cancels_never_both()
    {
        var outcomes = new HashSet<OperationState>();
        for (var i = 0; i < Rounds; i++)
        {
            var race = await NewRaceAsync();
            var op = await race.RequestPromoteAsync();
            var (approve, cancel) = await TogetherAsync(
                () => race.A.ApproveAsync(op.Id, op.Nonce, OperationLab.Bob, [], default),
                () => race.B.CancelAsync(op.Id, OperationLab.Alice, default));

            var stored = await race.StoredAsync(op.Id);
            outcomes.Add(stored.State);
            if (stored.State == OperationState.Cancelled)
            {
                Assert.True(approve.IsRefused, Explain(approve));
                Assert.Contains("already cancelled by alice", approve.Refusal);
                Assert.Equal(0, race.Lab.Cluster.Ran("pg_ctl"));
            }
            else
            {
                Assert.True(stored.State == OperationState.Succeeded, Explain(approve));
                Assert.True(cancel.IsRefused);
                Assert.Matches("is running|already approved by bob", cancel.Refusal!);
                Assert.Equal(1, race.Lab.Cluster.Ran("pg_ctl promote"));
            }
        }
        Assert.NotEmpty(outcomes);
    }

    [Fact]
    public async Task Cancel_against_resume_of_an_interrupted_operation_either_resumes_or_cancels()
    {
        for (var i = 0; i < Rounds; i++)
        {
            var race = await NewRaceAsync();
            var op = await InterruptedBeforeAnyStepAsync(race);
            var (cancel, resume) = await TogetherAsync(
                () => race.A.CancelAsync(op.Id, OperationLab.Alice, default),
                () => race.B.ResumeAsync(op.Id, OperationLab.Bob, default));

            var stored = await race.StoredAsync(op.Id);
            if (stored.State == OperationState.Cancelled)
            {
                Assert.Contains("already cancelled by alice", resume.Refusal);
                Assert.Equal(0, race.Lab.Cluster.Ran("pg_ctl"));
            }
            else
            {
                Assert.True(stored.State == OperationState.Succeeded, Explain(resume));
                Assert.True(cancel.IsRefused);
                Assert.Equal(1, race.Lab.Cluster.Ran("pg_ctl promote"));
            }
        }
    }

    [Fact]
    public async Task Resume_against_resume_runs_the_rest_once()
    {
        for (var i = 0; i < Rounds; i++)
        {
            var race = await NewRaceAsync();
            var op = await InterruptedBeforeAnyStepAsync(race);
            var (bob, carol) = await TogetherAsync(
                () => race.A.ResumeAsync(op.Id, OperationLab.Bob, default),
                () => race.B.ResumeAsync(op.Id, OperationLab.Carol, default));

            var winner = Assert.Single(new[] { bob, carol }, r => !r.IsRefused);
            Assert.Equal(OperationState.Succeeded, winner.Operation!.State);
            var loser = bob.IsRefused ? bob : carol;
            Assert.Matches("already resumed by (bob|carol)", loser.Refusal!);
            Assert.Equal(1, race.Lab.Cluster.Ran("pg_ctl promote"));
            Assert.Single((await race.StoredAsync(op.Id)).Decisions, d => d.Kind == DecisionKind.Resumed);
        }
    }

    [Fact]
    public async Task An_approval_that_was_checking_when_the_window_closed_loses_to_the_expiry()
    {
        var barrier = new ObserveBarrier(1);
        var race = await NewRaceAsync(barrier);
        barrier.Inner = race.Lab.Cluster;
        var op = await race.RequestPromoteAsync();
        barrier.Arm(); // the next observation (the approval's re-plan) waits

        var approving = Task.Run(() => race.A.ApproveAsync(op.Id, op.Nonce, OperationLab.Bob, [], default));
        await barrier.Reached.WaitAsync(TimeSpan.FromSeconds(10));
        race.Time.Advance(TimeSpan.FromMinutes(11));
        // Meanwhile Carol asks again: the expired request is closed in the same unit of work that stores hers.
        var again = await race.B.RequestAsync("promote", "datanode1", [], OperationLab.Carol, default);
        Assert.Equal(OperationState.AwaitingApproval, again.Operation!.State);
        barrier.Release();

        var late = await approving.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(late.IsRefused);
        Assert.Contains("expired unapproved", late.Refusal);
        Assert.Equal(0, race.Lab.Cluster.Ran("pg_ctl"));
        Assert.Equal(OperationState.Cancelled, (await race.StoredAsync(op.Id)).State);
    }

    [Fact]
    public async Task Request_against_request_stores_one_operation_for_the_pair()
    {
        for (var i = 0; i < Rounds; i++)
        {
            var race = await NewRaceAsync();
            var (alice, carol) = await TogetherAsync(
                () => race.A.RequestAsync("promote", "datanode1", [], OperationLab.Alice, default),
                () => race.B.RequestAsync("promote", "datanode1", [], OperationLab.Carol, default));

            var created = Assert.Single(new[] { alice, carol }, r => !r.IsRefused);
            var refused = alice.IsRefused ? alice : carol;
            Assert.Contains($"already has operation {created.Operation!.Id}", refused.Refusal);
            Assert.Single(await race.Store.GetOpenAsync(default));
        }
    }

    [Fact]
    public async Task Recovery_in_another_process_leaves_a_live_run_alone_and_takes_over_only_after_its_lease_lapsed()
    {
        var race = await NewRaceAsync();
        var op = await race.RequestPromoteAsync();
        // Process A runs the promote; its promote step hangs until released.
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var shell = new HookedShell(race.Lab.Cluster, async command =>
        {
            if (!command.Text.Contains("pg_ctl promote", StringComparison.Ordinal)) return;
            reached.TrySetResult();
            await hold.Task;
        });
        // A's lease renewals never land (a process frozen, or cut off from its store), so its claim lapses.
        var a = race.Lab.Service(new NoRenewals(race.Store), new MemoryTopologyStore(), shell: shell);
        var running = Task.Run(() => a.ApproveAsync(op.Id, op.Nonce, OperationLab.Bob, [], default));
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // A CLI started meanwhile (every CLI recovers at start): A is alive, nothing to recover.
        Assert.Empty(await race.B.RecoverAsync(default));
        Assert.Equal(OperationState.Running, (await race.StoredAsync(op.Id)).State);

        // Past A's lease: B takes it over.
        race.Time.Advance(TimeSpan.FromMinutes(2));
        var taken = Assert.Single(await race.B.RecoverAsync(default));
        Assert.Equal(OperationState.Interrupted, taken.State);

        // A wakes up: its next write loses, so it runs nothing more and says so.
        hold.SetResult();
        var stopped = await running.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(OperationState.Interrupted, stopped.Operation!.State);
        Assert.Contains("another process took the operation over", stopped.Operation.Result);
        Assert.Equal(1, race.Lab.Cluster.Ran("pg_ctl promote"));
        Assert.Equal(0, race.Lab.Cluster.Ran("ALTER NODE"));
        Assert.Equal(OperationState.Interrupted, (await race.StoredAsync(op.Id)).State);
    }

    [Fact]
    public async Task Two_processes_recovering_the_same_dead_run_mark_it_interrupted_once()
    {
        for (var i = 0; i < Rounds; i++)
        {
            var race = await NewRaceAsync();
            var op = await race.RequestPromoteAsync();
            // What a bot that died while running left: Running, no live runner.
            await race.Store.ReplaceAsync(op, op with { State = OperationState.Running, ApprovedBy = OperationLab.Bob, Runner = "dead-host/1/aaaaaa",
                LeaseExpiresAt = race.Time.GetUtcNow() - TimeSpan.FromSeconds(1) }, default);

            var both = await Task.WhenAll(Task.Run(() => race.A.RecoverAsync(default)), Task.Run(() => race.B.RecoverAsync(default)));
            Assert.Equal(1, both.Sum(r => r.Count));
            var stored = await race.StoredAsync(op.Id);
            Assert.Equal(OperationState.Interrupted, stored.State);
            Assert.Single(stored.Decisions, d => d.Kind == DecisionKind.Interrupted);
        }
    }

    /// <summary>Approved by Bob, then the bot died before the first step: interrupted, every step pending.</summary>
    private static async Task<Operation> InterruptedBeforeAnyStepAsync(Race race)
    {
        var op = await race.RequestPromoteAsync();
        await race.Store.ReplaceAsync(op, op with { State = OperationState.Running, ApprovedBy = OperationLab.Bob, ApprovedAt = race.Time.GetUtcNow() }, default);
        var interrupted = Assert.Single(await race.A.RecoverAsync(default));
        Assert.Equal(OperationState.Interrupted, interrupted.State);
        return interrupted;
    }

    /// <summary>An observer whose next observations (once armed) wait until <c>parties</c> of them have arrived, or until released.</summary>
    private sealed class ObserveBarrier(int parties) : IClusterObserver
    {
        private readonly Lock _lock = new();
        private TaskCompletionSource _open = Opened();
        private int _arrived;
        private bool _armed;

        public IClusterObserver Inner { get; set; } = null!;
        public Task Reached => _reached.Task;
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Arm()
        {
            lock (_lock)
            {
                _armed = true;
                _arrived = 0;
                _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        public void Release() => _open.TrySetResult();

        public async Task<ClusterSnapshot> ObserveAsync(ClusterTopology topology, CancellationToken cancellationToken)
        {
            Task wait;
            lock (_lock)
            {
                wait = _open.Task;
                if (_armed)
                {
                    _reached.TrySetResult();
                    if (++_arrived >= parties && parties > 1) _open.TrySetResult();
                }
            }
            await wait.WaitAsync(TimeSpan.FromSeconds(20), cancellationToken);
            return await Inner.ObserveAsync(topology, cancellationToken);
        }

        private static TaskCompletionSource Opened()
        {
            var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            open.SetResult();
            return open;
        }
    }

    /// <summary>A store whose lease renewals are lost.</summary>
    private sealed class NoRenewals(IOperationStore inner) : IOperationStore
    {
        public Task<IOperationUnitOfWork> BeginAsync(CancellationToken cancellationToken) => inner.BeginAsync(cancellationToken);
        public Task<Operation?> GetAsync(long id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);
        public Task<IReadOnlyList<Operation>> GetOpenAsync(CancellationToken cancellationToken) => inner.GetOpenAsync(cancellationToken);
        public Task<IReadOnlyList<Operation>> GetHistoryAsync(string? datanode, int limit, CancellationToken cancellationToken) =>
            inner.GetHistoryAsync(datanode, limit, cancellationToken);
        public Task<bool> RenewLeaseAsync(long id, string runner, DateTimeOffset until, CancellationToken cancellationToken) => Task.FromResult(false);
    }
}
