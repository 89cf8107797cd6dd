using System.Security.Cryptography;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Runbooks;
using PgxcBot.Core.Runbooks.Planners;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Operations;

/// <summary>
/// Plans, approves, runs, cancels and resumes operations. Every decision is taken on a fresh snapshot;
/// every step is stored before and after it runs; one operation per pair at a time.
/// <para>
/// Every change of an operation's state is a compare-and-set in the store, decided inside one unit of work
/// on the version the store holds now (<see cref="IOperationStore"/>): whatever the number of clicks,
/// processes or replicas, AwaitingApproval → Running happens once, and the loser is told what the winner did.
/// </para>
/// <para>
/// Chat is never waited for: what is to be said about a change (the operation's live message, a terminal's step
/// line) is written to the store's outbox in the unit of work of the change (<paramref name="announcer"/>), and
/// the senders deliver it afterwards. <paramref name="events"/> are in-process hooks only (tests, metrics): they
/// must return at once and never talk to a chat.
/// </para>
/// </summary>
public sealed partial class OperationService(
    TopologyState topologyState,
    IClusterObserver observer,
    IOperationStore store,
    StepExecutor executor,
    IRemoteShell shell,
    SyncEvidenceSource evidence,
    ApprovalPolicy policy,
    IOperationObserver events,
    IPairOperationSink pairs,
    TimeProvider time,
    OperationRuns? runs = null,
    OutboxAnnouncer? announcer = null,
    Advice.AdviceSource? advice = null)
{
    public const string AcceptDataLoss = "accept-data-loss";
    /// <summary>add-slave: a non-empty slave data directory may be renamed aside (never deleted).</summary>
    public const string MoveAside = "move-aside";
    /// <summary>add-slave, rebuild, start: stop at asynchronous replication.</summary>
    public const string AsyncOnly = "async-only";
    /// <summary>rebuild: a fresh base backup even when pg_rewind could work.</summary>
    public const string BaseBackup = "base-backup";

    private readonly OperationRuns _runs = runs ?? new OperationRuns();

    /// <summary>Plans without storing anything: <c>/pgxc plan promote datanode1</c>.</summary>
    public async Task<PlanResult> PreviewAsync(string kind, string datanode, IReadOnlyList<string> flags, CancellationToken cancellationToken)
    {
        var topology = await topologyState.CurrentAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = await observer.ObserveAsync(topology, cancellationToken).ConfigureAwait(false);
        return await PlanAsync(kind, datanode, flags, topology, snapshot, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Plans an operation and either runs it at once (no approval needed) or stores it awaiting approval.
    /// The pair's one-operation rule is checked again in the unit of work that stores it.
    /// </summary>
    /// <param name="origin">The chat message that asked for it: the operation's progress is shown there.</param>
    public async Task<OperationReply> RequestAsync(string kind, string datanode, IReadOnlyList<string> flags, Actor requester, CancellationToken cancellationToken,
        ChatOrigin? origin = null)
    {
        var allowed = policy.CanRequest(requester);
        if (!allowed.Allowed) return OperationReply.Refused(allowed.Reason!);

        Operation operation;
        ClusterTopology topology;
        bool announced;
        try
        {
            await FlushParkedAsync(cancellationToken).ConfigureAwait(false);
            // The async switch releases blocked commits: it never waits for a person (a request awaiting
            // approval, an interrupted operation). Anything else waits for the pair to be free.
            var beside = OperationKinds.Find(kind)?.RunsBesideWaiting == true;
            if (await OpenOperationForAsync(datanode, cancellationToken).ConfigureAwait(false) is { } open && !(beside && WaitsForPerson(open)))
                return Busy(datanode, Known(open));

            topology = await topologyState.CurrentAsync(cancellationToken).ConfigureAwait(false);
            var snapshot = await observer.ObserveAsync(topology, cancellationToken).ConfigureAwait(false);
            var plan = await PlanAsync(kind, datanode, flags, topology, snapshot, cancellationToken).ConfigureAwait(false);
            if (plan.IsRefused)
                return OperationReply.Refused($"{kind} {datanode} refused: {plan.Refusal}",
                    await RefusalNextAsync(kind, datanode, plan.NextStep, topology, snapshot, cancellationToken).ConfigureAwait(false));

            var runbook = plan.Runbook!;
            var now = time.GetUtcNow();
            var needsApproval = policy.NeedsApproval(kind, runbook);
            var fresh = new Operation(0, kind, datanode,
                needsApproval ? OperationState.AwaitingApproval : OperationState.Planned,
                requester, now, null, null, needsApproval ? now + policy.Expiry : null, NewNonce(),
                runbook, Operation.PendingSteps(runbook), null, flags).With(DecisionKind.Requested, requester, now);
            var (created, busy, shown) = await CreateAsync(fresh, origin, cancellationToken, beside && !runbook.LowersDurability).ConfigureAwait(false);
            if (busy is not null) return Busy(datanode, busy);
            operation = created!;
            announced = shown;
        }
        catch (StoreUnavailableException e)
        {
            return OperationReply.Refused($"{kind} {datanode} refused: the request could not be stored: {e.Message}. Nothing ran.",
                $"fix the store (GET /healthz says why), then /pgxc {kind} {datanode} again");
        }

        if (operation.State == OperationState.AwaitingApproval)
        {
            await EmitAsync(new OperationEvent(OperationEventKind.AwaitingApproval, operation), cancellationToken).ConfigureAwait(false);
            return OperationReply.Of(operation, $"waiting for approval by another authorised person until {operation.ApprovalExpiresAt:HH:mm:ss} UTC") with { Announced = announced };
        }
        return await ClaimAndRunAsync(operation.Id, cur => cur.State == OperationState.Planned && cur.Revision == operation.Revision
                ? Verdict.To(Claim(cur, DecisionKind.Started, requester))
                : Verdict.No(OperationStories.WhatHappened(cur) + "."),
            topology, origin, $"operation {operation.Id}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Approves and runs. The preconditions are checked again on a fresh snapshot: when the plan would now
    /// differ, the new plan replaces the old one and needs its own approval. The approval is written only if
    /// the operation is still the one that was checked (same state, plan version and revision) and its window
    /// is still open; a second approver is told who approved first.
    /// </summary>
    public async Task<OperationReply> ApproveAsync(long id, string? nonce, Actor approver, IReadOnlyList<string> acknowledgements, CancellationToken cancellationToken,
        ChatOrigin? origin = null)
    {
        Operation operation;
        ClusterTopology topology;
        try
        {
            await FlushParkedAsync(cancellationToken).ConfigureAwait(false);
            var read = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (read is null) return OperationReply.Refused($"there is no operation {id}.", "/pgxc history");
            operation = read;
            if (operation.State != OperationState.AwaitingApproval)
                return Lost(Known(operation), "nothing to approve");
            if (nonce is not null && !string.Equals(nonce, operation.Nonce, StringComparison.Ordinal))
                return OperationReply.Refused($"this approval button belongs to an older plan of operation {id}; approve the current plan ({operation.Nonce}) instead.",
                    $"/pgxc approve {id} --plan {operation.Nonce}", operation);

            if (operation.ApprovalExpiresAt is { } expires && time.GetUtcNow() >= expires)
            {
                var expired = await ChangeAsync(id, cur => Expirable(cur) && cur.ApprovalExpiresAt <= time.GetUtcNow() ? Verdict.To(Expire(cur)) : Verdict.No(""),
                    cancellationToken, new Say(OperationEventKind.Finished, origin)).ConfigureAwait(false);
                return OperationReply.Refused($"the approval window of operation {id} closed at {expires:HH:mm:ss} UTC; nothing ran. Request it again to get a fresh plan.",
                    $"/pgxc {operation.Kind} {operation.Datanode}", expired.Written ?? operation) with { Announced = expired.Announced };
            }
            var decision = policy.CanApprove(approver, operation, time.GetUtcNow());
            if (!decision.Allowed) return OperationReply.Refused(decision.Reason!, null, operation);
            var missing = operation.Plan.Acknowledgements.Except(acknowledgements, StringComparer.Ordinal).ToArray();
            if (missing.Length > 0)
                return OperationReply.Refused($"this plan must be acknowledged explicitly: {string.Join(", ", missing)}. {string.Join(" ", operation.Plan.Warnings)}",
                    $"/pgxc approve {id} {string.Join(' ', missing.Select(m => "--" + m))}", operation);

            topology = await topologyState.CurrentAsync(cancellationToken).ConfigureAwait(false);
            var snapshot = await observer.ObserveAsync(topology, cancellationToken).ConfigureAwait(false);
            var fresh = await PlanAsync(operation.Kind, operation.Datanode, operation.Flags, topology, snapshot, cancellationToken).ConfigureAwait(false);
            if (fresh.IsRefused)
            {
                var reason = $"not run: at approval the preconditions no longer held: {fresh.Refusal}";
                var change = await ChangeAsync(id, cur => Same(cur, operation)
                    ? Verdict.To((cur with { State = OperationState.Cancelled, Result = reason }).With(DecisionKind.Cancelled, approver, time.GetUtcNow()))
                    : Verdict.No(""), cancellationToken, new Say(OperationEventKind.Finished, origin)).ConfigureAwait(false);
                if (change.Written is not { } cancelled) return Lost(change.Current ?? operation, "nothing to approve");
                await EmitAsync(new OperationEvent(OperationEventKind.Finished, cancelled), cancellationToken).ConfigureAwait(false);
                return OperationReply.Refused(reason, fresh.NextStep, cancelled) with { Announced = change.Announced };
            }
            if (fresh.Runbook!.Fingerprint != operation.Plan.Fingerprint)
            {
                var now = time.GetUtcNow();
                var change = await ChangeAsync(id, cur => Same(cur, operation)
                    ? Verdict.To((cur with
                    {
                        Plan = fresh.Runbook, Steps = Operation.PendingSteps(fresh.Runbook), Nonce = NewNonce(), ApprovalExpiresAt = now + policy.Expiry,
                    }).With(DecisionKind.Replanned, approver, now))
                    : Verdict.No(""), cancellationToken, new Say(OperationEventKind.PlanChanged, origin)).ConfigureAwait(false);
                if (change.Written is not { } replanned) return Lost(change.Current ?? operation, "nothing to approve");
                await EmitAsync(new OperationEvent(OperationEventKind.PlanChanged, replanned), cancellationToken).ConfigureAwait(false);
                return OperationReply.Refused(
                    $"the cluster changed since operation {id} was requested, and so did its plan. Nothing ran. Read the new plan; it needs a new approval.",
                    $"/pgxc approve {id}", replanned) with { PlanChanged = true, Announced = change.Announced };
            }
        }
        catch (StoreUnavailableException e)
        {
            return OperationReply.Refused($"the approval of operation {id} could not be stored: {e.Message}. Nothing ran.",
                $"fix the store (GET /healthz says why), then /pgxc approve {id}");
        }

        var approved = operation;
        return await ClaimAndRunAsync(id, cur =>
        {
            if (!Same(cur, approved)) return Verdict.No(OperationStories.WhatHappened(cur) + ".", NextFor(cur));
            var now = time.GetUtcNow();
            if (cur.ApprovalExpiresAt is { } closes && now >= closes)
                return Verdict.No($"the approval window of operation {id} closed at {closes:HH:mm:ss} UTC while the plan was checked; nothing ran. Request it again.");
            return Verdict.To(Claim(cur with { ApprovedBy = approver, ApprovedAt = now }, DecisionKind.Approved, approver));
        }, topology, origin, $"the approval of operation {id}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Cancels a waiting operation (awaiting approval, planned, interrupted, or running under a runner that is
    /// gone). Needs a listed requester or approver. Past a point of no return it is refused with the resume
    /// command, unless <paramref name="abandon"/> (an approver who finished or undid the rest by hand).
    /// </summary>
    public async Task<OperationReply> CancelAsync(long id, Actor actor, CancellationToken cancellationToken, ChatOrigin? origin = null, bool abandon = false)
    {
        Operation cancelled;
        bool announced;
        try
        {
            await FlushParkedAsync(cancellationToken).ConfigureAwait(false);
            var change = await ChangeAsync(id, cur => DecideCancel(cur, actor, abandon), cancellationToken, new Say(OperationEventKind.Finished, origin)).ConfigureAwait(false);
            if (change.Current is null) return OperationReply.Refused($"there is no operation {id}.", "/pgxc history");
            if (change.Written is null) return OperationReply.Refused(change.Refusal!, change.NextStep, change.Current);
            cancelled = change.Written;
            announced = change.Announced;
        }
        catch (StoreUnavailableException e)
        {
            return OperationReply.Refused($"operation {id} could not be cancelled: {e.Message}. Nothing changed.",
                $"fix the store (GET /healthz says why), then /pgxc cancel {id}");
        }
        await EmitAsync(new OperationEvent(OperationEventKind.Finished, cancelled), cancellationToken).ConfigureAwait(false);
        return OperationReply.Of(cancelled) with { Announced = announced };
    }

    /// <summary>Continues an interrupted (or failed) operation: steps already done are skipped after asking the
    /// servers. Needs a listed requester or approver; refused while another operation of the pair is open.</summary>
    public async Task<OperationReply> ResumeAsync(long id, Actor actor, CancellationToken cancellationToken, ChatOrigin? origin = null)
    {
        ClusterTopology topology;
        try
        {
            var parked = await FlushParkedAsync(cancellationToken).ConfigureAwait(false);
            if (parked.TryGetValue(id, out var stillFailing))
                return OperationReply.Refused($"operation {id} cannot be resumed yet: the store still cannot record it ({stillFailing}). Nothing ran.",
                    $"fix the store (GET /healthz says why), then /pgxc resume {id}");
            topology = await topologyState.CurrentAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e)
        {
            return OperationReply.Refused($"operation {id} cannot be resumed yet: {e.Message}. Nothing ran.", $"fix the store (GET /healthz says why), then /pgxc resume {id}");
        }
        return await ClaimAndRunAsync(id, (cur, work, ct) => DecideResumeAsync(cur, actor, work, ct), topology, origin, $"the resume of operation {id}",
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>At start (and whenever asked): running operations whose runner is gone (its lease lapsed, or
    /// it is this process and no longer runs them) are marked Interrupted and reported. Operations that
    /// another live process runs are left alone.</summary>
    public Task<IReadOnlyList<Operation>> RecoverAsync(CancellationToken cancellationToken) =>
        InterruptAsync(cur => _runs.IsAbandoned(cur, time.GetUtcNow()), cancellationToken);

    /// <summary>Marks Interrupted (and reports) every Running operation <paramref name="gone"/> says has lost its
    /// runner, each decided on the stored version; returns those it marked.</summary>
    private async Task<IReadOnlyList<Operation>> InterruptAsync(Func<Operation, bool> gone, CancellationToken cancellationToken)
    {
        await FlushParkedAsync(cancellationToken).ConfigureAwait(false);
        var interrupted = new List<Operation>();
        foreach (var operation in await store.GetOpenAsync(cancellationToken).ConfigureAwait(false))
        {
            if (operation.State != OperationState.Running) continue;
            var change = await ChangeAsync(operation.Id, cur => cur.State == OperationState.Running && gone(cur)
                ? Verdict.To(Interrupt(cur, time.GetUtcNow())) : Verdict.No(""), cancellationToken, new Say(OperationEventKind.Interrupted, null)).ConfigureAwait(false);
            if (change.Written is not { } marked) continue;
            await EmitAsync(new OperationEvent(OperationEventKind.Interrupted, marked), cancellationToken).ConfigureAwait(false);
            interrupted.Add(marked);
        }
        return interrupted;
    }

    private Verdict DecideCancel(Operation stored, Actor actor, bool abandon)
    {
        // What this process knows beats a store that could not record it yet (the write below then fails too).
        var cur = Known(stored);
        var id = cur.Id;
        var allowed = policy.CanCancel(actor, cur);
        if (!allowed.Allowed) return Verdict.No(allowed.Reason!);
        var gone = _runs.IsAbandoned(stored, time.GetUtcNow());
        if (cur.State == OperationState.Running && !gone)
            return Verdict.No($"operation {id} is running ({OperationStories.Progress(cur)}); a running operation cannot be cancelled: " +
                              "it stops by itself at a failing step, and can then be resumed or cancelled.", $"/pgxc history {cur.Datanode}");
        if (cur.State is not (OperationState.AwaitingApproval or OperationState.Planned or OperationState.Interrupted) && !gone)
            return Verdict.No($"{OperationStories.WhatHappened(cur)}; only an operation that is waiting (for approval or for resume) can be cancelled.", NextFor(cur));
        cur = stored with { Steps = cur.Steps };

        var ran = OperationStories.StepsThatRan(cur);
        var now = time.GetUtcNow();
        if (OperationStories.PointOfNoReturnPassed(cur) is { } step)
        {
            var undo = cur.Plan.Steps[step.Index].Undo;
            if (!abandon)
                return Verdict.No(
                    $"operation {id} is past its point of no return: step {step.Index + 1} \"{step.Title}\" {(step.Status == StepStatus.Succeeded ? "ran" : "started")}, " +
                    $"so stopping here would leave {cur.Datanode} half-way (steps so far: {ran}). Cancelling is refused: finish the runbook with /pgxc resume {id} " +
                    $"(each remaining step checks the servers first). If you finish or undo it by hand instead{(undo is null ? "" : $" (undo: {undo})")}, " +
                    $"close it afterwards with /pgxc cancel {id} --abandon.",
                    $"/pgxc resume {id}");
            var mayAbandon = policy.CanAbandon(actor, cur);
            if (!mayAbandon.Allowed) return Verdict.No(mayAbandon.Reason!);
            return Verdict.To(Close(cur, $"abandoned by {actor} past its point of no return; the bot undid nothing, the servers are as these steps left them: {ran}.",
                DecisionKind.Abandoned, actor, now));
        }
        var result = $"cancelled by {actor}" + (ran == "no step ran" ? "; nothing ran." : $"; these steps had run and were NOT undone: {ran}.");
        return Verdict.To(Close(cur, result, DecisionKind.Cancelled, actor, now));
    }

    /// <param name="takeover">The active replica continues what the previous one ran: the persons' approval
    /// stands, so the resume needs no listed actor (every other rule holds).</param>
    private async Task<Verdict> DecideResumeAsync(Operation cur, Actor actor, IOperationUnitOfWork work, CancellationToken cancellationToken,
        bool takeover = false)
    {
        var id = cur.Id;
        var allowed = takeover ? Decision.Yes : policy.CanResume(actor, cur);
        if (!allowed.Allowed) return Verdict.No(allowed.Reason!);
        var gone = _runs.IsAbandoned(cur, time.GetUtcNow());
        if (cur.State == OperationState.Running && !gone)
            return Verdict.No($"{OperationStories.WhatHappened(cur)}; only an interrupted or failed operation can be resumed." +
                              (cur.LeaseExpiresAt is { } lease
                                  ? $" If the bot running it ({cur.Runner}) is gone, its claim lapses at {OperationStories.Time(lease)}; /pgxc resume {id} works then."
                                  : ""), $"/pgxc history {cur.Datanode}");
        if (cur.State is OperationState.AwaitingApproval or OperationState.Planned)
            return Verdict.No($"operation {id} is {Describe(cur.State)}; only an interrupted or failed operation can be resumed.", NextFor(cur));
        if (cur.State is not (OperationState.Interrupted or OperationState.Failed) && !gone)
            return Verdict.No($"{OperationStories.WhatHappened(cur)}; only an interrupted or failed operation can be resumed.", NextFor(cur));
        if (cur.ApprovedBy is null && policy.NeedsApproval(cur.Kind) && cur.Steps.All(s => s.Status == StepStatus.Pending))
            return Verdict.No($"operation {id} was never approved; request it again.");

        var unsafeStep = cur.Steps.FirstOrDefault(s => s.Status == StepStatus.Running && cur.Plan.Steps[s.Index] is { Rerunnable: false, DoneWhen: null });
        if (unsafeStep is not null)
            return Verdict.No($"step \"{unsafeStep.Title}\" was running when the bot stopped, may not be re-run, and cannot be checked; finish it by hand, then cancel operation {id}.");

        // A failed operation is closed: another one of the pair may have been opened since.
        var other = (await work.GetOpenAsync(cur.Datanode, cancellationToken).ConfigureAwait(false)).FirstOrDefault(o => o.Id != id);
        if (other is not null)
            return Verdict.No($"{cur.Datanode} has operation {other.Id} ({other.Kind}, {Describe(other.State)}) open; one operation per pair at a time.", NextFor(other));

        // Whatever was not done is pending again; each step asks the servers whether it is still needed.
        var resumed = cur with
        {
            Steps = cur.Steps.Select(s => s.Status is StepStatus.Succeeded or StepStatus.Skipped ? s : s with { Status = StepStatus.Pending }).ToArray(),
            Result = null,
        };
        return Verdict.To(Claim(resumed, DecisionKind.Resumed, actor));
    }

    /// <summary>The pair's unfinished operation, if any, as a quick check before planning (the unit of work that
    /// stores a new one checks again). An expired request or an abandoned run does not count here; they are
    /// closed or marked when the new operation is stored.</summary>
    private async Task<Operation?> OpenOperationForAsync(string datanode, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var open in await store.GetOpenAsync(cancellationToken).ConfigureAwait(false))
        {
            if (open.Datanode != datanode || (Expirable(open) && open.ApprovalExpiresAt <= now)) continue;
            return open;
        }
        return null;
    }

    /// <summary>One unit of work: expired requests of the pair are closed, abandoned runs marked interrupted,
    /// then the new operation is stored unless another one of the pair is still open; what chat is to be told
    /// about each goes in the same unit.</summary>
    /// <param name="besideWaiting">The new operation may run beside operations that wait for a person
    /// (awaiting approval, interrupted): the async switch that releases blocked commits.</param>
    private async Task<(Operation? Created, Operation? Busy, bool Announced)> CreateAsync(Operation fresh, ChatOrigin? origin, CancellationToken cancellationToken,
        bool besideWaiting = false)
    {
        var marked = new List<Operation>();
        Operation? busy = null, created = null;
        var announced = false;
        await using (var work = await store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            var now = time.GetUtcNow();
            foreach (var open in await work.GetOpenAsync(fresh.Datanode, cancellationToken).ConfigureAwait(false))
            {
                if (Expirable(open) && open.ApprovalExpiresAt <= now)
                {
                    if (await work.TryReplaceAsync(open, Expire(open), cancellationToken).ConfigureAwait(false) is { } expired)
                        await AnnounceAsync(work, new OperationEvent(OperationEventKind.Finished, expired), null, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (_runs.IsAbandoned(open, now) && await work.TryReplaceAsync(open, Interrupt(open, now), cancellationToken).ConfigureAwait(false) is { } interrupted)
                {
                    marked.Add(interrupted);
                    await AnnounceAsync(work, new OperationEvent(OperationEventKind.Interrupted, interrupted), null, cancellationToken).ConfigureAwait(false);
                    if (!besideWaiting) busy ??= interrupted;
                    continue;
                }
                if (besideWaiting && WaitsForPerson(open)) continue;
                busy ??= open;
            }
            if (busy is null)
            {
                created = await work.InsertAsync(fresh, cancellationToken).ConfigureAwait(false);
                if (created.State == OperationState.AwaitingApproval)
                    announced = await AnnounceAsync(work, new OperationEvent(OperationEventKind.AwaitingApproval, created), origin, cancellationToken).ConfigureAwait(false);
            }
            await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        foreach (var operation in marked)
            await EmitAsync(new OperationEvent(OperationEventKind.Interrupted, operation), cancellationToken).ConfigureAwait(false);
        return (created, busy, announced);
    }

    /// <summary>The stored operation, or what this process knows happened to it when the store could not record
    /// that yet (parked over this very version): for what refusals say.</summary>
    private Operation Known(Operation stored) =>
        _runs.ParkedFor(stored.Id) is { } parked && parked.Stored.Revision == stored.Revision ? parked.Known : stored;

    private static OperationReply Busy(string datanode, Operation busy) =>
        OperationReply.Refused($"{datanode} already has operation {busy.Id} ({busy.Kind}, {Describe(busy.State)}); one operation per pair at a time.",
            NextFor(busy) ?? $"/pgxc history {datanode}");

    /// <summary>The answer to the loser of a race, or to a click that came late: what the record says happened.</summary>
    private static OperationReply Lost(Operation current, string consequence) =>
        OperationReply.Refused($"{OperationStories.WhatHappened(current).TrimEnd('.')}: {consequence}.", NextFor(current), current);

    private static string? NextFor(Operation operation) => operation.State switch
    {
        OperationState.Interrupted or OperationState.Failed => $"/pgxc resume {operation.Id}",
        OperationState.AwaitingApproval => $"/pgxc approve {operation.Id} --plan {operation.Nonce}   /pgxc cancel {operation.Id}",
        OperationState.Running => $"/pgxc history {operation.Datanode}",
        _ => null,
    };

    /// <summary>Still the operation that was checked: same state, plan version and revision.</summary>
    private static bool Same(Operation current, Operation checkedOne) =>
        current.State == checkedOne.State && current.Nonce == checkedOne.Nonce && current.Revision == checkedOne.Revision;

    /// <summary>Nothing happens to it until a person acts: awaiting approval, or interrupted (resume or cancel).</summary>
    private static bool WaitsForPerson(Operation operation) => operation.State is OperationState.AwaitingApproval or OperationState.Interrupted;

    /// <summary>
    /// The next step of a refusal, consistent with the advice for the pair: when the pair needs something else
    /// first than what was asked (a sync after a promote: the old master must be rebuilt), the advice; when the
    /// planner's own next step already says the advised command, or the advice is to do what was asked (refused
    /// for a reason of its own, e.g. the slave's host does not answer), the planner's.
    /// </summary>
    private async Task<string?> RefusalNextAsync(string kind, string datanode, string? plannerNext, ClusterTopology topology, ClusterSnapshot snapshot,
        CancellationToken cancellationToken)
    {
        if (advice is null || topology.FindDatanode(datanode) is null) return plannerNext;
        var assessed = await evidence.AssessAsync(topology, snapshot, cancellationToken).ConfigureAwait(false);
        var advised = await advice.AdviseAsync(topology, assessed, cancellationToken).ConfigureAwait(false);
        return Advice.RefusalAdvice.Next(kind, plannerNext, advised.Pairs.FirstOrDefault(p => p.Datanode == datanode)?.Advice);
    }

    private static bool Expirable(Operation operation) => operation is { State: OperationState.AwaitingApproval, ApprovalExpiresAt: not null };

    private Operation Expire(Operation open) =>
        (open with
        {
            State = OperationState.Cancelled,
            Result = $"not approved before {open.ApprovalExpiresAt:HH:mm:ss} UTC; nothing ran. Request it again for a fresh plan.",
        }).With(DecisionKind.Expired, null, time.GetUtcNow());

    private static Operation Close(Operation cur, string result, DecisionKind kind, Actor actor, DateTimeOffset now) =>
        (cur with { State = OperationState.Cancelled, Result = result, LeaseExpiresAt = null }).With(kind, actor, now);

    /// <summary>Running under this process, with a fresh lease.</summary>
    private Operation Claim(Operation cur, DecisionKind kind, Actor actor)
    {
        var now = time.GetUtcNow();
        return (cur with { State = OperationState.Running, Runner = _runs.RunnerId, LeaseExpiresAt = now + _runs.Lease, Result = null }).With(kind, actor, now);
    }

    /// <summary>A running operation whose runner is gone, marked Interrupted with what the store knows.</summary>
    private Operation Interrupt(Operation cur, DateTimeOffset now)
    {
        var done = cur.Steps.Count(s => s.Status is StepStatus.Succeeded or StepStatus.Skipped);
        var running = cur.Steps.FirstOrDefault(s => s.Status == StepStatus.Running);
        var who = cur.Runner is null ? "the bot that ran it" : $"the bot that ran it ({cur.Runner})";
        var result = $"interrupted: {who} stopped during the operation (it died, or could no longer record its steps). {done} of {cur.Steps.Count} steps had completed" +
                     (running is null ? "." : $"; \"{running.Title}\" was running and may or may not have taken effect.") +
                     $" Resume with /pgxc resume {cur.Id}: each remaining step checks the servers first.";
        return (cur with { State = OperationState.Interrupted, Result = result, LeaseExpiresAt = null }).With(DecisionKind.Interrupted, null, now);
    }

    /// <summary>Tells the in-process hooks (never a chat: chat is told through the outbox, in the unit of work).</summary>
    private Task EmitAsync(OperationEvent operationEvent, CancellationToken cancellationToken) => events.OnEventAsync(operationEvent, cancellationToken);

    /// <summary>Writes what chat is to be told about <paramref name="operationEvent"/> in <paramref name="work"/>. True when
    /// <paramref name="origin"/>'s chat shows it (so its adapter need not).</summary>
    private async Task<bool> AnnounceAsync(IOperationUnitOfWork work, OperationEvent operationEvent, ChatOrigin? origin, CancellationToken cancellationToken)
    {
        if (announcer is null) return false;
        var entries = announcer.ForOperation(operationEvent, origin);
        if (entries.Count > 0) await work.EnqueueAsync(entries, cancellationToken).ConfigureAwait(false);
        return announcer.Shows(origin);
    }

    /// <summary>The kind's row plans it (<see cref="OperationKinds"/>); an unknown kind is refused.</summary>
    private Task<PlanResult> PlanAsync(string kind, string datanode, IReadOnlyList<string> flags, ClusterTopology topology, ClusterSnapshot snapshot,
        CancellationToken cancellationToken) =>
        OperationKinds.Find(kind) is { } row
            ? row.Planner(new PlanningContext(topology, snapshot, datanode, flags, evidence, shell, executor, advice), cancellationToken)
            : Task.FromResult(PlanResult.Refused($"there is no runbook for '{kind}'.", "/pgxc help"));

    private static string Describe(OperationState state) => state switch
    {
        OperationState.AwaitingApproval => "awaiting approval",
        _ => state.ToString().ToLowerInvariant(),
    };

    private static string NewNonce() => Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
}
