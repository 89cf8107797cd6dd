using PgxcBot.Core.Outbox;
using PgxcBot.Core.Runbooks;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Operations;

// Running an operation, and the compare-and-set machinery every state change goes through.
public sealed partial class OperationService
{
    /// <summary>A decision taken on the stored version: the version to write, or why not (and what to do instead).</summary>
    private readonly record struct Verdict(Operation? Next, string? Refusal, string? NextStep)
    {
        public static Verdict To(Operation next) => new(next, null, null);
        public static Verdict No(string why, string? next = null) => new(null, why, next);
    }

    /// <summary>The outcome of one unit of work: <see cref="Written"/> when it won, else the refusal and what the
    /// store holds (<see cref="Current"/>; null when there is no such operation). <see cref="Announced"/>: the
    /// origin's chat was told in the same unit.</summary>
    private readonly record struct Change(Operation? Written, Operation? Current, string? Refusal, string? NextStep, bool Announced = false);

    /// <summary>What chat is to be told when a change wins: the event (of the written version) and the chat that asked.</summary>
    private sealed record Say(OperationEventKind Kind, ChatOrigin? Origin, int? StepIndex = null);

    private Task<Change> ChangeAsync(long id, Func<Operation, Verdict> decide, CancellationToken cancellationToken, Say? say = null) =>
        ChangeAsync(id, (cur, _, _) => Task.FromResult(decide(cur)), cancellationToken, say);

    /// <summary>
    /// Reads operation <paramref name="id"/> under the store's write lock, lets <paramref name="decide"/> choose on
    /// that version, and writes the choice as a compare-and-set in the same unit of work, with what chat is to be told
    /// about it (<paramref name="say"/>). Throws <see cref="StoreUnavailableException"/> when the store cannot be read or written.
    /// </summary>
    private async Task<Change> ChangeAsync(long id, Func<Operation, IOperationUnitOfWork, CancellationToken, Task<Verdict>> decide, CancellationToken cancellationToken,
        Say? say = null)
    {
        await using var work = await store.BeginAsync(cancellationToken).ConfigureAwait(false);
        var current = await work.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (current is null) return new Change(null, null, $"there is no operation {id}.", "/pgxc history");
        var verdict = await decide(current, work, cancellationToken).ConfigureAwait(false);
        if (verdict.Next is not { } next) return new Change(null, current, verdict.Refusal, verdict.NextStep);
        var written = await work.TryReplaceAsync(current, next, cancellationToken).ConfigureAwait(false);
        if (written is null)
        {
            // Cannot happen while the unit holds the lock; a store that breaks the contract still gets an honest answer.
            var now = await work.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? current;
            return new Change(null, now, OperationStories.WhatHappened(now) + ".", NextFor(now));
        }
        var announced = say is not null &&
                        await AnnounceAsync(work, new OperationEvent(say.Kind, written, say.StepIndex), say.Origin, cancellationToken).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new Change(written, written, null, null, announced);
    }

    /// <summary>Moves the operation to Running as <paramref name="decide"/> says (approve, start, resume) and runs it.</summary>
    private async Task<OperationReply> ClaimAndRunAsync(long id, Func<Operation, Verdict> decide, ClusterTopology topology, ChatOrigin? origin,
        string what, CancellationToken cancellationToken) =>
        await ClaimAndRunAsync(id, (cur, _, _) => Task.FromResult(decide(cur)), topology, origin, what, cancellationToken).ConfigureAwait(false);

    private async Task<OperationReply> ClaimAndRunAsync(long id, Func<Operation, IOperationUnitOfWork, CancellationToken, Task<Verdict>> decide,
        ClusterTopology topology, ChatOrigin? origin, string what, CancellationToken cancellationToken)
    {
        Change change;
        try
        {
            change = await ChangeAsync(id, decide, cancellationToken, new Say(OperationEventKind.Started, origin)).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e)
        {
            return OperationReply.Refused($"{what} could not be stored: {e.Message}. Nothing ran.", "fix the store (GET /healthz says why), then try again");
        }
        if (change.Written is not { } claimed) return OperationReply.Refused(change.Refusal!, change.NextStep, change.Current);
        return await RunAsync(claimed, topology, origin, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the steps of an operation this process has just claimed (stored Running under its runner id).
    /// Each step is stored running before it runs and finished after; the lease is renewed meanwhile. When the
    /// store cannot record a step, nothing more runs: the answer says exactly which steps ran, and what the
    /// store could not record is written as soon as it can write again (<see cref="FlushParkedAsync"/>).
    /// </summary>
    private async Task<OperationReply> RunAsync(Operation claimed, ClusterTopology topology, ChatOrigin? origin, CancellationToken cancellationToken)
    {
        _runs.Begin(claimed.Id);
        using var renewal = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewing = RenewLeaseAsync(claimed.Id, renewal.Token);
        using var trace = OperationTracing.StartOperation(claimed);
        try
        {
            var reply = await RunStepsAsync(claimed, topology, origin, cancellationToken).ConfigureAwait(false);
            OperationTracing.OperationEnded(trace, reply.Operation);
            return reply;
        }
        finally
        {
            await renewal.CancelAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(false);
            // From here on, the store's "Running" (if it is still that) is abandoned: this process takes it over at once.
            _runs.End(claimed.Id);
        }
    }

    private async Task<OperationReply> RunStepsAsync(Operation claimed, ClusterTopology topology, ChatOrigin? origin, CancellationToken cancellationToken)
    {
        var stored = claimed;   // what the store holds
        var known = claimed;    // what this process knows happened (ahead of the store while a write is pending)
        // Chat was told with the claim, in its unit of work.
        await EmitAsync(new OperationEvent(OperationEventKind.Started, known), cancellationToken).ConfigureAwait(false);
        try
        {
            var steps = known.Steps.ToArray();
            var failures = new List<string>();
            for (var i = 0; i < steps.Length; i++)
            {
                if (steps[i].Status is StepStatus.Succeeded or StepStatus.Skipped) continue;
                var step = known.Plan.Steps[i];

                steps[i] = steps[i] with { Status = StepStatus.Running, StartedAt = time.GetUtcNow(), EndedAt = null, Summary = null, Output = null };
                known = known with { Steps = steps.ToArray() };
                var record = await RecordAsync(stored, known, cancellationToken, new Say(OperationEventKind.StepStarted, origin, i)).ConfigureAwait(false);
                if (record.Written is null)
                {
                    // Not recorded as started, so not started: the rule is "stored before it runs".
                    steps[i] = steps[i] with { Status = StepStatus.Pending, StartedAt = null };
                    known = known with { Steps = steps.ToArray() };
                    return await StopAsync(stored, known, record, $"the start of step {i + 1} \"{step.Title}\", which therefore did not run", origin, cancellationToken)
                        .ConfigureAwait(false);
                }
                stored = known = record.Written;
                await EmitAsync(new OperationEvent(OperationEventKind.StepStarted, known, i), cancellationToken).ConfigureAwait(false);

                StepOutcome outcome;
                using (var span = OperationTracing.StartStep(known, i, step))
                {
                    outcome = await executor.RunAsync(step, topology, cancellationToken).ConfigureAwait(false);
                    OperationTracing.StepEnded(span, outcome);
                }
                steps[i] = steps[i] with { Status = outcome.Status, EndedAt = time.GetUtcNow(), Summary = outcome.Summary, Output = outcome.Output };
                known = known with { Steps = steps.ToArray() };
                if (outcome.Status is StepStatus.Succeeded or StepStatus.Skipped && step.MakesMaster is { } newMaster
                    && topology.FindDatanode(known.Datanode) is { } pair && pair.Master.Endpoint != newMaster)
                {
                    // Stored at once: if the bot dies on the next step, it must already know who is master.
                    try
                    {
                        topology = await topologyState.SwapRolesAsync(known.Datanode, $"operation {known.Id}: {step.Title}", cancellationToken).ConfigureAwait(false);
                    }
                    catch (StoreUnavailableException e)
                    {
                        return await StopAsync(stored, known, new Change(null, null, e.Message, null),
                            $"the new roles of {known.Datanode} (its master is now {newMaster})", origin, cancellationToken).ConfigureAwait(false);
                    }
                }
                record = await RecordAsync(stored, known, cancellationToken, new Say(OperationEventKind.StepFinished, origin, i)).ConfigureAwait(false);
                if (record.Written is null)
                    return await StopAsync(stored, known, record, $"the end of step {i + 1} \"{step.Title}\"", origin, cancellationToken).ConfigureAwait(false);
                stored = known = record.Written;
                await EmitAsync(new OperationEvent(OperationEventKind.StepFinished, known, i), cancellationToken).ConfigureAwait(false);

                if (outcome.Status != StepStatus.Failed) continue;
                // By number and title: the error itself is in the step's own record (said once, under the step).
                failures.Add($"step {i + 1} \"{step.Title}\"" + (step.IfFailed is { } note ? $" ({note})" : ""));
                if (step.OnFailure == OnFailure.Stop)
                {
                    var notRun = steps.Length - i - 1;
                    return await FinishAsync(stored, known, OperationState.Failed, origin,
                        $"failed at \"{step.Title}\": {outcome.Summary}. {notRun} later step(s) did not run. " +
                        (step.IfFailed is { } meaning ? meaning + " " : "") +
                        $"Fix the cause, then /pgxc resume {known.Id} (steps already done are skipped).", cancellationToken).ConfigureAwait(false);
                }
            }

            if (failures.Count > 0)
            {
                // What finishes this operation, then whatever the pair needs after it (the advice).
                var finish = OperationKinds.Find(known.Kind) is { FinishedByRepoint: true } ? $"/pgxc repoint {known.Datanode}" : $"/pgxc resume {known.Id}";
                var next = Advice.OperationAdvice.After(await AdvisedAfterAsync(known, OperationState.Failed, cancellationToken).ConfigureAwait(false), known.Datanode, finish);
                return await FinishAsync(stored, known, OperationState.Failed, origin,
                    $"done except {failures.Count} step(s): {string.Join("; ", failures)}. Next: {next}.",
                    cancellationToken).ConfigureAwait(false);
            }

            var after = await AdvisedAfterAsync(known, OperationState.Succeeded, cancellationToken).ConfigureAwait(false);
            var result = after is null ? known.Plan.Summary : $"{known.Plan.Summary} Next: {Advice.OperationAdvice.After(after, known.Datanode)}.";
            var finished = await FinishAsync(stored, known, OperationState.Succeeded, origin, result, cancellationToken).ConfigureAwait(false);
            if (finished.Operation?.State != OperationState.Succeeded) return finished;
            try
            {
                await pairs.OperationSucceededAsync(finished.Operation, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The operation is done and recorded; the pair state follows reality at the monitor's next poll.
                return finished with { Note = $"The pair's state could not be updated ({e.Message}); the monitor corrects it at its next poll." };
            }
            return finished;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever broke (a bug, an observer), say what ran instead of leaving "running" behind.
            return await StopAsync(stored, known, new Change(null, null, $"{e.GetType().Name}: {e.Message}", null),
                "the rest of the operation (an unexpected error stopped it)", origin, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The pair as it stands once this operation has ended, with the advice (the same words status and alerts
    /// use), from a fresh look at the servers. Null without an advice source, or when the look fails: the
    /// result then says only what ran.
    /// </summary>
    private async Task<Assessment.PairAssessment?> AdvisedAfterAsync(Operation known, OperationState ending, CancellationToken cancellationToken)
    {
        if (advice is null) return null;
        try
        {
            var topology = await topologyState.CurrentAsync(cancellationToken).ConfigureAwait(false);
            var snapshot = await observer.ObserveAsync(topology, cancellationToken).ConfigureAwait(false);
            var assessed = await evidence.AssessAsync(topology, snapshot, cancellationToken).ConfigureAwait(false);
            var ended = (known with { State = ending, LeaseExpiresAt = null })
                .With(ending == OperationState.Succeeded ? DecisionKind.Succeeded : DecisionKind.Failed, null, time.GetUtcNow());
            var advised = await advice.AdviseAsync(topology, assessed, cancellationToken, ended).ConfigureAwait(false);
            return advised.Pairs.FirstOrDefault(p => p.Datanode == known.Datanode);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes <paramref name="next"/> over <paramref name="stored"/> only while the store still holds that
    /// version, Running under this process (nobody took it over). A failure to write is an answer, not an
    /// exception: the caller stops and says so.
    /// </summary>
    private async Task<Change> RecordAsync(Operation stored, Operation next, CancellationToken cancellationToken, Say? say)
    {
        try
        {
            var renewed = next with { LeaseExpiresAt = time.GetUtcNow() + _runs.Lease };
            return await ChangeAsync(stored.Id, cur =>
                cur.Revision == stored.Revision && cur.State == OperationState.Running && cur.Runner == _runs.RunnerId
                    ? Verdict.To(renewed)
                    : Verdict.No($"another process took the operation over: {OperationStories.WhatHappened(cur)}"), cancellationToken, say).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e)
        {
            return new Change(null, null, e.Message, null);
        }
    }

    /// <summary>The operation ends (succeeded or failed) and is recorded; if the store cannot take it, it is parked.</summary>
    private async Task<OperationReply> FinishAsync(Operation stored, Operation known, OperationState state, ChatOrigin? origin, string result,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var finished = (known with { State = state, Result = result, LeaseExpiresAt = null })
            .With(state == OperationState.Succeeded ? DecisionKind.Succeeded : DecisionKind.Failed, null, now);
        var record = await RecordAsync(stored, finished, cancellationToken, new Say(OperationEventKind.Finished, origin)).ConfigureAwait(false);
        if (record.Written is { } written)
        {
            await EmitAsync(new OperationEvent(OperationEventKind.Finished, written), cancellationToken).ConfigureAwait(false);
            return OperationReply.Of(written) with { Announced = record.Announced };
        }
        // Not stored, so not in the outbox either: the caller's answer says it now, and chat is told when the store takes it.
        if (record.Current is null) _runs.Park(stored, finished, origin);
        var told = finished with
        {
            Result = result + (record.Current is null
                ? $" The store could not record this result ({record.Refusal}); it is written as soon as the store can write again."
                : $" This result was not recorded: {record.Refusal}."),
        };
        await EmitAsync(new OperationEvent(OperationEventKind.Finished, told), cancellationToken).ConfigureAwait(false);
        return OperationReply.Of(told);
    }

    /// <summary>
    /// The operation stops before its end because <paramref name="what"/> could not be recorded: no further step
    /// runs. The answer says exactly which steps ran, from what this process knows. The Interrupted record is
    /// written now if the store takes it, otherwise parked and written when it can (a resume does that first).
    /// </summary>
    private async Task<OperationReply> StopAsync(Operation stored, Operation known, Change failure, string what, ChatOrigin? origin,
        CancellationToken cancellationToken)
    {
        var id = known.Id;
        var takenOver = failure.Current is not null;
        var next = known.Steps.FirstOrDefault(s => s.Status == StepStatus.Pending);
        var ponr = OperationStories.PointOfNoReturnPassed(known);
        var result = (takenOver
                         ? $"This process could not record {what}: {failure.Refusal}. "
                         : $"The store could not record {what}: {failure.Refusal}. ") +
                     $"Steps that ran: {OperationStories.StepsThatRan(known)}." +
                     (next is null ? "" : $" Not started: step {next.Index + 1} \"{next.Title}\" and later ones.") +
                     (ponr is null ? "" : $" It is past its point of no return (step {ponr.Index + 1}): do not walk away from it, resume it.") +
                     (takenOver
                         ? ""
                         : " The store may still show the operation as running; this is corrected as soon as the store can write again." +
                           $" Fix the store (GET /healthz says why), then /pgxc resume {id}: each remaining step checks the servers first.");
        var interrupted = (known with { State = OperationState.Interrupted, Result = result, LeaseExpiresAt = null })
            .With(DecisionKind.Interrupted, null, time.GetUtcNow());
        var announced = false;
        if (!takenOver)
        {
            var record = await RecordAsync(stored, interrupted, cancellationToken, new Say(OperationEventKind.Interrupted, origin)).ConfigureAwait(false);
            if (record.Written is { } written) (interrupted, announced) = (written, record.Announced);
            else if (record.Current is null) _runs.Park(stored, interrupted, origin);
        }
        await EmitAsync(new OperationEvent(OperationEventKind.Interrupted, interrupted), cancellationToken).ConfigureAwait(false);
        return OperationReply.Of(interrupted) with { Announced = announced };
    }

    /// <summary>
    /// Writes what the store could not record before (parked outcomes), each as a compare-and-set over the
    /// version the store still holds, with its outcome for chat (which could not be queued either). Returns the
    /// operations still not written, with why.
    /// </summary>
    private async Task<IReadOnlyDictionary<long, string>> FlushParkedAsync(CancellationToken cancellationToken)
    {
        var failing = new Dictionary<long, string>();
        foreach (var parked in _runs.Parked)
        {
            try
            {
                await ChangeAsync(parked.Known.Id, cur =>
                {
                    if (cur.Revision == parked.Stored.Revision) return Verdict.To(parked.Known);
                    // Taken over meanwhile (marked interrupted from the stored steps): this process knows better which steps ran.
                    if (cur.State == OperationState.Interrupted && cur.Steps.Select(s => s.Status).SequenceEqual(parked.Stored.Steps.Select(s => s.Status)))
                        return Verdict.To(cur with { Steps = parked.Known.Steps, Result = parked.Known.Result });
                    return Verdict.No("");
                }, cancellationToken, new Say(parked.Known.State == OperationState.Interrupted ? OperationEventKind.Interrupted : OperationEventKind.Finished, parked.Origin))
                    .ConfigureAwait(false);
                _runs.Forget(parked.Known.Id);
            }
            catch (StoreUnavailableException e)
            {
                failing[parked.Known.Id] = e.Message;
            }
        }
        return failing;
    }

    private async Task RenewLeaseAsync(long id, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_runs.RenewEvery, time, cancellationToken).ConfigureAwait(false);
                try
                {
                    await store.RenewLeaseAsync(id, _runs.RunnerId, time.GetUtcNow() + _runs.Lease, cancellationToken).ConfigureAwait(false);
                }
                catch (StoreUnavailableException)
                {
                    // The next step's write says so; meanwhile the lease may lapse, and that is the truth.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
