using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Runbooks;
using PgxcBot.Tests.Support;

namespace PgxcBot.StoreContracts;

/// <summary>
/// The concurrency contract of <see cref="IOperationStore"/>, the same for every implementation: the SQLite
/// store (two connections on one file, as two processes), the in-memory one of the tests, and the PostgreSQL
/// one (an integration test: this file is linked into tests/PgxcBot.IntegrationTests). Derive a class and give it its store.
/// </summary>
public abstract class OperationStoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 3, 0, 0, TimeSpan.Zero);
    private static readonly Actor Alice = new("alice", "alice", ["dba"]);

    /// <summary>Two handles on the same store, as two processes would have them, and the store's chat outbox
    /// (the one their units of work write to), as a third handle.</summary>
    protected abstract Task<(IOperationStore First, IOperationStore Second, IOutboxStore Outbox)> OpenAsync();

    private IOperationStore _a = null!, _b = null!;
    private IOutboxStore _outbox = null!;

    public async Task InitializeAsync() => (_a, _b, _outbox) = await OpenAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private static Operation New(string datanode = "datanode1")
    {
        var plan = new Runbook("repoint", datanode, "repoint", [], [], []);
        return new Operation(0, "repoint", datanode, OperationState.AwaitingApproval, Alice, T0, null, null, T0.AddMinutes(10), "plan-1",
            plan, [], null, []);
    }

    [Fact]
    public async Task A_compare_and_set_wins_on_the_expected_state_plan_and_revision_and_loses_on_any_other()
    {
        var created = await _a.CreateAsync(New(), default);
        Assert.Equal(1, created.Revision);

        var running = await _a.ReplaceAsync(created, created with { State = OperationState.Running, Runner = "me", LeaseExpiresAt = T0.AddSeconds(30) }, default);
        Assert.NotNull(running);
        Assert.Equal(2, running.Revision);

        // Each stale expectation loses, whichever part is stale.
        Assert.Null(await _b.ReplaceAsync(created, created with { State = OperationState.Cancelled }, default));
        Assert.Null(await _b.ReplaceAsync(running with { Nonce = "plan-2" }, running with { State = OperationState.Cancelled }, default));
        Assert.Null(await _b.ReplaceAsync(running with { State = OperationState.AwaitingApproval }, running with { State = OperationState.Cancelled }, default));

        var stored = (await _b.GetAsync(created.Id, default))!;
        Assert.Equal((OperationState.Running, 2L, "me", T0.AddSeconds(30)), (stored.State, stored.Revision, stored.Runner, stored.LeaseExpiresAt));
    }

    [Fact]
    public async Task Nothing_is_visible_before_commit_and_a_unit_disposed_without_commit_rolls_back()
    {
        var created = await _a.CreateAsync(New(), default);
        await using (var work = await _a.BeginAsync(default))
        {
            Assert.NotNull(await work.TryReplaceAsync(created, created with { State = OperationState.Cancelled }, default));
            Assert.Equal(OperationState.Cancelled, (await work.GetAsync(created.Id, default))!.State);
            Assert.Equal(OperationState.AwaitingApproval, (await _b.GetAsync(created.Id, default))!.State);
        }
        Assert.Equal(OperationState.AwaitingApproval, (await _b.GetAsync(created.Id, default))!.State);
        Assert.Equal(1, (await _b.GetAsync(created.Id, default))!.Revision);
    }

    [Fact]
    public async Task A_read_inside_a_unit_of_work_is_the_version_its_write_is_decided_on()
    {
        // Two writers increment the revision by read-then-replace, many times each, at once. Every replace
        // wins only if no other writer can slip in between a unit's read and its write.
        var created = await _a.CreateAsync(New(), default);
        const int each = 100;
        async Task<int> IncrementAsync(IOperationStore store)
        {
            var lost = 0;
            for (var i = 0; i < each; i++)
            {
                await using var work = await store.BeginAsync(default);
                var current = (await work.GetAsync(created.Id, default))!;
                if (await work.TryReplaceAsync(current, current with { Result = $"{i}" }, default) is null) lost++;
                await work.CommitAsync(default);
            }
            return lost;
        }
        var losses = await Task.WhenAll(Task.Run(() => IncrementAsync(_a)), Task.Run(() => IncrementAsync(_b)));
        Assert.Equal([0, 0], losses);
        Assert.Equal(1 + 2 * each, (await _a.GetAsync(created.Id, default))!.Revision);
    }

    [Fact]
    public async Task Open_operations_of_a_pair_are_read_inside_the_unit_of_work()
    {
        var one = await _a.CreateAsync(New(), default);
        await _a.CreateAsync(New("datanode2"), default);
        await _a.ReplaceAsync(one, one with { State = OperationState.Succeeded }, default);
        var two = await _a.CreateAsync(New(), default);

        await using var work = await _b.BeginAsync(default);
        Assert.Equal([two.Id], (await work.GetOpenAsync("datanode1", default)).Select(o => o.Id));
        Assert.Equal(2, (await _b.GetOpenAsync(default)).Count);
    }

    [Fact]
    public async Task A_lease_is_renewed_only_for_its_runner_while_running_and_the_revision_stays()
    {
        var created = await _a.CreateAsync(New(), default);
        Assert.False(await _a.RenewLeaseAsync(created.Id, "me", T0.AddMinutes(1), default));
        var running = (await _a.ReplaceAsync(created, created with { State = OperationState.Running, Runner = "me", LeaseExpiresAt = T0 }, default))!;

        Assert.False(await _b.RenewLeaseAsync(created.Id, "someone-else", T0.AddMinutes(1), default));
        Assert.True(await _b.RenewLeaseAsync(created.Id, "me", T0.AddMinutes(1), default));

        var stored = (await _a.GetAsync(created.Id, default))!;
        Assert.Equal(T0.AddMinutes(1), stored.LeaseExpiresAt);
        Assert.Equal(running.Revision, stored.Revision);
        // The renewal is not a change of state: a compare-and-set on the same revision still wins.
        Assert.NotNull(await _a.ReplaceAsync(running, running with { State = OperationState.Succeeded }, default));
    }

    private static OutboxEntry Entry(string target, OutboxKind kind, string? key, string title) =>
        OutboxEntry.New(T0, target, kind, key, ChatMessage.Simple(title, Severity.Info, "line")) with { Address = "{\"a\":1}", MentionOnCall = kind == OutboxKind.Alert };

    [Fact]
    public async Task Chat_entries_of_a_unit_of_work_are_stored_with_its_change_or_not_at_all()
    {
        var created = await _a.CreateAsync(New(), default);
        await using (var work = await _a.BeginAsync(default))
        {
            await work.TryReplaceAsync(created, created with { State = OperationState.Cancelled }, default);
            await work.EnqueueAsync([Entry("discord", OutboxKind.Progress, "operation/1", "rolled back")], default);
            Assert.Empty(await _outbox.GetPendingAsync("discord", 10, default)); // not visible before commit
        }
        Assert.Empty(await _outbox.GetPendingAsync("discord", 10, default));     // and gone with the rollback

        var woken = _outbox.WaitForEntriesAsync(default);
        await using (var work = await _b.BeginAsync(default))
        {
            var current = (await work.GetAsync(created.Id, default))!;
            await work.TryReplaceAsync(current, current with { State = OperationState.Cancelled }, default);
            await work.EnqueueAsync([Entry("discord", OutboxKind.Progress, "operation/1", "one"), Entry("console/x", OutboxKind.Progress, "operation/1", "two")], default);
            await work.CommitAsync(default);
        }
        var pending = Assert.Single(await _outbox.GetPendingAsync("discord", 10, default));
        Assert.Equal(("one", "{\"a\":1}", OutboxKind.Progress, "operation/1"), (pending.Body.Title, pending.Address, pending.Kind, pending.MessageKey));
        Assert.Equal(OperationState.Cancelled, (await _a.GetAsync(created.Id, default))!.State);
        Assert.Single(await _outbox.GetPendingAsync("console/x", 10, default));
        // A sender of the process that wrote is woken; another process finds the entries at its next look.
        if (ReferenceEquals(_a, _b)) await woken.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Pending_entries_come_in_order_until_done_and_a_message_never_goes_back_to_an_older_entry()
    {
        await _outbox.EnqueueAsync([Entry("discord", OutboxKind.Alert, "datanode1/master-lost", "alert"), Entry("discord", OutboxKind.Reminder, "datanode1/master-lost", "reminder"),
            Entry("discord", OutboxKind.Recovery, "datanode1/master-lost", "recovered")], default);
        var pending = await _outbox.GetPendingAsync("discord", 10, default);
        Assert.Equal(["alert", "reminder", "recovered"], pending.Select(e => e.Body.Title));
        Assert.True(pending[0].Id < pending[1].Id && pending[1].Id < pending[2].Id);
        Assert.True(pending[0].MentionOnCall);
        Assert.Equal(3, pending.Select(e => e.Nonce).Distinct().Count());
        Assert.All(pending, e => Assert.InRange(e.Nonce.Length, 1, 25));

        await _outbox.RecordFailureAsync(pending[0].Id, "Discord is unreachable", T0.AddSeconds(2), default);
        await _outbox.RecordFailureAsync(pending[0].Id, "Discord is unreachable", T0.AddSeconds(6), default);
        var failed = (await _outbox.GetPendingAsync("discord", 10, default))[0];
        Assert.Equal((2, "Discord is unreachable", T0.AddSeconds(6)), (failed.Attempts, failed.LastError, failed.NextAttemptAt));

        await _outbox.CompleteAsync([pending[0].Id], OutboxOutcome.Delivered, T0.AddSeconds(7),
            new PostedMessage("discord", "datanode1/master-lost", "111", "{}", pending[2].Id), default);
        await _outbox.CompleteAsync([pending[1].Id], OutboxOutcome.Superseded, T0.AddSeconds(7),
            new PostedMessage("discord", "datanode1/master-lost", "222", "{}", pending[1].Id), default);
        Assert.Equal([pending[2].Id], (await _outbox.GetPendingAsync("discord", 10, default)).Select(e => e.Id));
        var posted = (await _outbox.GetPostedAsync("discord", "datanode1/master-lost", default))!;
        Assert.Equal(("222", pending[2].Id), (posted.ExternalId, posted.DeliveredId)); // the newest delivered id stays
        Assert.Null(await _outbox.GetPostedAsync("console/x", "datanode1/master-lost", default));

        // Done twice is still done once; an old entry is pruned.
        await _outbox.CompleteAsync([pending[0].Id], OutboxOutcome.Dropped, T0.AddSeconds(8), null, default);
        Assert.Equal(3, await _outbox.PruneAsync(T0.AddDays(8), default));
        Assert.Empty(await _outbox.GetPendingAsync("discord", 10, default));
    }
}
