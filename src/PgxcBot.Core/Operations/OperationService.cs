using System.Security.Cryptography;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Runbooks;
using PgxcBot.Core.Runbooks.Planners;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Operations;

/// <summary>
/// Plans, approves, runs, cancels and resumes operations. Every decision is taken on a fresh snapshot;
/// every step is stored before and after it runs; one operation per pair at a time.
/// </summary>
public sealed class OperationService(
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
    PairLocks? locks = null)
{
    public const string AcceptDataLoss = "accept-data-loss";
    /// <summary>add-slave: a non-empty slave data directory may be renamed aside (never deleted).</summary>
    public const string MoveAside = "move-aside";
    /// <summary>add-slave, rebuild, start: stop at asynchronous replication.</summary>
    public const string AsyncOnly = "async-only";
    /// <summary>rebuild: a fresh base backup even when pg_rewind could work.</summary>
    public const string BaseBackup = "base-backup";

    private readonly PairLocks _locks = locks ?? new PairLocks();

    /// <summary>Plans without storing anything: <c>/pgxc plan promote datanode1</c>.</summary>
    public async Task<PlanResult> PreviewAsync(string kind, string datanode, IReadOnlyList<string> flags, CancellationToken cancellationToken)
    {
        var topology = await topologyState.CurrentAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = await observer.ObserveAsync(topology, cancellationToken).ConfigureAwait(false);
        return await PlanAsync(kind, datanode, flags, topology, snapshot, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Plans an operation and either runs it at once (no approval needed) or stores it awaiting approval.
    /// </summary>
    /// <param name="progress">Also told every event of this operation (e.g. the chat message that asked for it).</param>
    public async Task<OperationReply> RequestAsync(string kind, string datanode, IReadOnlyList<string> flags, Actor requester, CancellationToken cancellationToken,
        IOperationObserver? progress = null)
    {
        var allowed = policy.CanRequest(requester);
        if (!allowed.Allowed) return OperationReply.Refused(allowed.Reason!);

        var busy = await OpenOperationForAsync(datanode, cancellationToken).ConfigureAwait(false);
        if (busy is not null)
            return OperationReply.Refused($"{datanode} already has operation {busy.Id} ({busy.Kind}, {Describe(busy.State)}); one operation per pair at a time.",
                busy.State == OperationState.Interrupted ? $"/pgxc resume {busy.Id}" : $"/pgxc cancel {busy.Id}");

        var topology = await topologyState.CurrentAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = await observer.ObserveAsync(topology, cancellationToken).ConfigureAwait(false);
        var plan = await PlanAsync(kind, datanode, flags, topology, snapshot, cancellationToken).ConfigureAwait(false);
        if (plan.IsRefused) return OperationReply.Refused($"{kind} {datanode} refused: {plan.Refusal}", plan.NextStep);

        var runbook = plan.Runbook!;
        var now = time.GetUtcNow();
        var needsApproval = policy.NeedsApproval(kind) && (kind != "async" || runbook.LowersDurability);
        var operation = await store.CreateAsync(new Operation(0, kind, datanode,
            needsApproval ? OperationState.AwaitingApproval : OperationState.Planned,
            requester, now, null, null, needsApproval ? now + policy.Expiry : null, NewNonce(),
            runbook, Operation.PendingSteps(runbook), null, flags), cancellationToken).ConfigureAwait(false);

        if (needsApproval)
        {
            await EmitAsync(new OperationEvent(OperationEventKind.AwaitingApproval, operation), progress, cancellationToken).ConfigureAwait(false);
            return OperationReply.Of(operation, $"waiting for approval by another authorised person until {operation.ApprovalExpiresAt:HH:mm:ss} UTC");
        }
        return OperationReply.Of(await RunAsync(operation, topology, progress, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Approves and runs. The preconditions are checked again on a fresh snapshot: when the plan would now
    /// differ, the new plan replaces the old one and needs its own approval.
    /// </summary>
    public async Task<OperationReply> ApproveAsync(long id, string? nonce, Actor approver, IReadOnlyList<string> acknowledgements, CancellationToken cancellationToken,
        IOperationObserver? progress = null)
    {
        var operation = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (operation is null) return OperationReply.Refused($"there is no operation {id}.", "/pgxc history");
        if (nonce is not null && !string.Equals(nonce, operation.Nonce, StringComparison.Ordinal))
            return OperationReply.Refused($"this approval button belongs to an older plan of operation {id}; approve the current plan instead.", null, operation);

        var decision = policy.CanApprove(approver, operation, time.GetUtcNow());
        if (!decision.Allowed) return OperationReply.Refused(decision.Reason!, null, operation);
        var missing = operation.Plan.Acknowledgements.Except(acknowledgements, StringComparer.Ordinal).ToArray();
        if (missing.Length > 0)
            return OperationReply.Refused($"this plan must be acknowledged explicitly: {string.Join(", ", missing)}. {string.Join(" ", operation.Plan.Warnings)}",
                $"/pgxc approve {id} {string.Join(' ', missing.Select(m => "--" + m))}", operation);

        var topology = await topologyState.CurrentAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = await observer.ObserveAsync(topology, cancellationToken).ConfigureAwait(false);
        var fresh = await PlanAsync(operation.Kind, operation.Datanode, operation.Flags, topology, snapshot, cancellationToken).ConfigureAwait(false);
        if (fresh.IsRefused)
        {
            var cancelled = operation with { State = OperationState.Cancelled, Result = $"not run: at approval the preconditions no longer held: {fresh.Refusal}" };
            await store.UpdateAsync(cancelled, cancellationToken).ConfigureAwait(false);
            await EmitAsync(new OperationEvent(OperationEventKind.Finished, cancelled), progress, cancellationToken).ConfigureAwait(false);
            return OperationReply.Refused(cancelled.Result!, fresh.NextStep, cancelled);
        }
        if (fresh.Runbook!.Fingerprint != operation.Plan.Fingerprint)
        {
            var now = time.GetUtcNow();
            var replanned = operation with
            {
                Plan = fresh.Runbook, Steps = Operation.PendingSteps(fresh.Runbook), Nonce = NewNonce(), ApprovalExpiresAt = now + policy.Expiry,
            };
            await store.UpdateAsync(replanned, cancellationToken).ConfigureAwait(false);
            await EmitAsync(new OperationEvent(OperationEventKind.PlanChanged, replanned), progress, cancellationToken).ConfigureAwait(false);
            return OperationReply.Refused(
                $"the cluster changed since operation {id} was requested, and so did its plan. Nothing ran. Read the new plan; it needs a new approval.",
                $"/pgxc approve {id}", replanned) with { PlanChanged = true };
        }

        var approved = operation with { ApprovedBy = approver, ApprovedAt = time.GetUtcNow() };
        return OperationReply.Of(await RunAsync(approved, topology, progress, cancellationToken).ConfigureAwait(false));
    }

    public async Task<OperationReply> CancelAsync(long id, Actor actor, CancellationToken cancellationToken, IOperationObserver? progress = null)
    {
        var operation = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (operation is null) return OperationReply.Refused($"there is no operation {id}.", "/pgxc history");
        if (operation.State is not (OperationState.AwaitingApproval or OperationState.Planned or OperationState.Interrupted))
            return OperationReply.Refused($"operation {id} is {Describe(operation.State)}; only an operation that is waiting (for approval or for resume) can be cancelled.", null, operation);
        var ran = operation.Steps.Where(s => s.Status is Runbooks.StepStatus.Succeeded).Select(s => s.Title).ToArray();
        var cancelled = operation with
        {
            State = OperationState.Cancelled,
            Result = $"cancelled by {actor}" + (ran.Length == 0 ? "; nothing ran." : $"; these steps had run and were NOT undone: {string.Join("; ", ran)}."),
        };
        await store.UpdateAsync(cancelled, cancellationToken).ConfigureAwait(false);
        await EmitAsync(new OperationEvent(OperationEventKind.Finished, cancelled), progress, cancellationToken).ConfigureAwait(false);
        return OperationReply.Of(cancelled);
    }

    /// <summary>Continues an interrupted (or failed) operation: steps already done are skipped after asking the servers.</summary>
    public async Task<OperationReply> ResumeAsync(long id, Actor actor, CancellationToken cancellationToken, IOperationObserver? progress = null)
    {
        var allowed = policy.CanRequest(actor);
        if (!allowed.Allowed) return OperationReply.Refused(allowed.Reason!);
        var operation = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (operation is null) return OperationReply.Refused($"there is no operation {id}.", "/pgxc history");
        if (operation.State is not (OperationState.Interrupted or OperationState.Failed))
            return OperationReply.Refused($"operation {id} is {Describe(operation.State)}; only an interrupted or failed operation can be resumed.", null, operation);
        if (operation.ApprovedBy is null && policy.NeedsApproval(operation.Kind) && operation.Steps.All(s => s.Status == Runbooks.StepStatus.Pending))
            return OperationReply.Refused($"operation {id} was never approved; request it again.", null, operation);

        var unsafeStep = operation.Steps.FirstOrDefault(s => s.Status == Runbooks.StepStatus.Running
            && operation.Plan.Steps[s.Index] is { Rerunnable: false, DoneWhen: null });
        if (unsafeStep is not null)
            return OperationReply.Refused($"step \"{unsafeStep.Title}\" was running when the bot stopped, may not be re-run, and cannot be checked; finish it by hand, then cancel operation {id}.", null, operation);

        // Whatever was not done is pending again; each step asks the servers whether it is still needed.
        var resumed = operation with
        {
            Steps = operation.Steps.Select(s => s.Status is Runbooks.StepStatus.Succeeded or Runbooks.StepStatus.Skipped ? s : s with { Status = Runbooks.StepStatus.Pending }).ToArray(),
            Result = null,
        };
        var topology = await topologyState.CurrentAsync(cancellationToken).ConfigureAwait(false);
        return OperationReply.Of(await RunAsync(resumed, topology, progress, cancellationToken).ConfigureAwait(false), $"resumed by {actor}");
    }

    /// <summary>At start: operations that were running when the bot stopped are marked Interrupted and reported.</summary>
    public async Task<IReadOnlyList<Operation>> RecoverAsync(CancellationToken cancellationToken)
    {
        var interrupted = new List<Operation>();
        foreach (var operation in await store.GetOpenAsync(cancellationToken).ConfigureAwait(false))
        {
            if (operation.State != OperationState.Running) continue;
            var done = operation.Steps.Count(s => s.Status is Runbooks.StepStatus.Succeeded or Runbooks.StepStatus.Skipped);
            var running = operation.Steps.FirstOrDefault(s => s.Status == Runbooks.StepStatus.Running);
            var marked = operation with
            {
                State = OperationState.Interrupted,
                Result = $"interrupted: the bot stopped during the operation. {done} of {operation.Steps.Count} steps had completed" +
                         (running is null ? "." : $"; \"{running.Title}\" was running and may or may not have taken effect.") +
                         $" Resume with /pgxc resume {operation.Id}: each remaining step checks the servers first.",
            };
            await store.UpdateAsync(marked, cancellationToken).ConfigureAwait(false);
            await EmitAsync(new OperationEvent(OperationEventKind.Interrupted, marked), null, cancellationToken).ConfigureAwait(false);
            interrupted.Add(marked);
        }
        return interrupted;
    }

    private async Task<Operation> RunAsync(Operation operation, ClusterTopology topology, IOperationObserver? progress, CancellationToken cancellationToken)
    {
        var gate = _locks.For(operation.Datanode);
        if (!await gate.WaitAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false))
            return operation with { Result = $"{operation.Datanode} is busy with another operation; try again when it has finished." };
        try
        {
            operation = operation with { State = OperationState.Running };
            await store.UpdateAsync(operation, cancellationToken).ConfigureAwait(false);
            await EmitAsync(new OperationEvent(OperationEventKind.Started, operation), progress, cancellationToken).ConfigureAwait(false);

            var steps = operation.Steps.ToArray();
            var failures = new List<string>();
            for (var i = 0; i < steps.Length; i++)
            {
                if (steps[i].Status is Runbooks.StepStatus.Succeeded or Runbooks.StepStatus.Skipped) continue;
                var step = operation.Plan.Steps[i];

                steps[i] = steps[i] with { Status = Runbooks.StepStatus.Running, StartedAt = time.GetUtcNow(), EndedAt = null, Summary = null, Output = null };
                operation = operation with { Steps = steps.ToArray() };
                await store.UpdateAsync(operation, cancellationToken).ConfigureAwait(false);
                await EmitAsync(new OperationEvent(OperationEventKind.StepStarted, operation, i), progress, cancellationToken).ConfigureAwait(false);

                var outcome = await executor.RunAsync(step, topology, cancellationToken).ConfigureAwait(false);
                steps[i] = steps[i] with { Status = outcome.Status, EndedAt = time.GetUtcNow(), Summary = outcome.Summary, Output = outcome.Output };
                if (outcome.Status is Runbooks.StepStatus.Succeeded or Runbooks.StepStatus.Skipped && step.MakesMaster is { } newMaster
                    && topology.FindDatanode(operation.Datanode) is { } pair && pair.Master.Endpoint != newMaster)
                {
                    // Stored at once: if the bot dies on the next step, it must already know who is master.
                    topology = await topologyState.SwapRolesAsync(operation.Datanode, $"operation {operation.Id}: {step.Title}", cancellationToken).ConfigureAwait(false);
                }
                operation = operation with { Steps = steps.ToArray() };
                await store.UpdateAsync(operation, cancellationToken).ConfigureAwait(false);
                await EmitAsync(new OperationEvent(OperationEventKind.StepFinished, operation, i), progress, cancellationToken).ConfigureAwait(false);

                if (outcome.Status != Runbooks.StepStatus.Failed) continue;
                failures.Add($"{step.Title}: {outcome.Summary}" + (step.IfFailed is { } note ? $" ({note})" : ""));
                if (step.OnFailure == OnFailure.Stop)
                {
                    var notRun = steps.Skip(i + 1).Count();
                    return await FinishAsync(operation, OperationState.Failed, progress,
                        $"failed at \"{step.Title}\": {outcome.Summary}. {notRun} later step(s) did not run. " +
                        (step.IfFailed is { } meaning ? meaning + " " : "") +
                        $"Fix the cause, then /pgxc resume {operation.Id} (steps already done are skipped).", cancellationToken).ConfigureAwait(false);
                }
            }

            if (failures.Count > 0)
                return await FinishAsync(operation, OperationState.Failed, progress,
                    $"done except {failures.Count} step(s): {string.Join("; ", failures)}. " +
                    (operation.Kind is "promote" or "repoint" ? $"Finish with /pgxc repoint {operation.Datanode}." : $"Resume with /pgxc resume {operation.Id}."),
                    cancellationToken).ConfigureAwait(false);

            var finished = await FinishAsync(operation, OperationState.Succeeded, progress, operation.Plan.Summary, cancellationToken).ConfigureAwait(false);
            await pairs.OperationSucceededAsync(finished, cancellationToken).ConfigureAwait(false);
            return finished;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<Operation> FinishAsync(Operation operation, OperationState state, IOperationObserver? progress, string result, CancellationToken cancellationToken)
    {
        var finished = operation with { State = state, Result = result };
        await store.UpdateAsync(finished, cancellationToken).ConfigureAwait(false);
        await EmitAsync(new OperationEvent(OperationEventKind.Finished, finished), progress, cancellationToken).ConfigureAwait(false);
        return finished;
    }

    private async Task EmitAsync(OperationEvent operationEvent, IOperationObserver? progress, CancellationToken cancellationToken)
    {
        await events.OnEventAsync(operationEvent, cancellationToken).ConfigureAwait(false);
        if (progress is not null) await progress.OnEventAsync(operationEvent, cancellationToken).ConfigureAwait(false);
    }

    private async Task<PlanResult> PlanAsync(string kind, string datanode, IReadOnlyList<string> flags, ClusterTopology topology, ClusterSnapshot snapshot,
        CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case "promote":
                if (topology.FindDatanode(datanode) is not { } pair)
                    return PromotePlanner.Plan(topology, snapshot, new PromoteRequest(datanode, false), new SlaveSyncEvidence(false, null, null, ""), false);
                var known = await evidence.GetAsync(topology, snapshot, datanode, cancellationToken).ConfigureAwait(false);
                var sshOk = await HostAnswersAsync(topology, pair.Master.HostName, cancellationToken).ConfigureAwait(false);
                return PromotePlanner.Plan(topology, snapshot, new PromoteRequest(datanode, flags.Contains(AcceptDataLoss)), known, sshOk);
            case "sync":
                return ReplicationPlanners.Sync(topology, snapshot, datanode);
            case "async":
                return ReplicationPlanners.Async(topology, snapshot, datanode);
            case "repoint":
                return ReplicationPlanners.Repoint(topology, snapshot, datanode);
            case "add-slave" or "rebuild":
            {
                var request = new LifecycleRequest(datanode, flags.Contains(MoveAside), flags.Contains(AsyncOnly), flags.Contains(BaseBackup));
                if (topology.FindDatanode(datanode) is not { } target)
                    return AddSlavePlanner.Plan(topology, snapshot, request, LifecycleFacts.None);
                var facts = await new LifecycleFactsSource(shell, executor).GatherAsync(topology, target, readControlData: kind == "rebuild", cancellationToken)
                    .ConfigureAwait(false);
                return kind == "add-slave"
                    ? AddSlavePlanner.Plan(topology, snapshot, request, facts)
                    : RebuildPlanner.Plan(topology, snapshot, request, facts);
            }
            case "switchover":
                return SwitchoverPlanner.Plan(topology, snapshot, new LifecycleRequest(datanode));
            case "stop":
                return StopStartPlanners.Stop(topology, snapshot, new LifecycleRequest(datanode));
            case "start":
                return StopStartPlanners.Start(topology, snapshot, new LifecycleRequest(datanode, AsyncOnly: flags.Contains(AsyncOnly)));
            default:
                return PlanResult.Refused($"there is no runbook for '{kind}'.", "/pgxc help");
        }
    }

    private async Task<bool> HostAnswersAsync(ClusterTopology topology, string hostName, CancellationToken cancellationToken)
    {
        if (topology.FindHost(hostName) is not { } host) return false;
        try
        {
            var result = await shell.RunAsync(host, ShellCommand.Of("true"), topology.Monitor.ConnectTimeout * 2, cancellationToken).ConfigureAwait(false);
            return result.Succeeded;
        }
        catch (RemoteExecutionException)
        {
            return false;
        }
    }

    /// <summary>The pair's unfinished operation, if any. A request whose approval window closed is closed
    /// on the way (cancelled, saying so), so that history never shows it as still waiting.</summary>
    private async Task<Operation?> OpenOperationForAsync(string datanode, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var open in await store.GetOpenAsync(cancellationToken).ConfigureAwait(false))
        {
            if (open.Datanode != datanode) continue;
            if (open.State != OperationState.AwaitingApproval || open.ApprovalExpiresAt > now) return open;
            await store.UpdateAsync(open with
            {
                State = OperationState.Cancelled,
                Result = $"not approved before {open.ApprovalExpiresAt:HH:mm:ss} UTC; nothing ran. Request it again for a fresh plan.",
            }, cancellationToken).ConfigureAwait(false);
        }
        return null;
    }

    private static string Describe(OperationState state) => state switch
    {
        OperationState.AwaitingApproval => "awaiting approval",
        _ => state.ToString().ToLowerInvariant(),
    };

    private static string NewNonce() => Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
}
