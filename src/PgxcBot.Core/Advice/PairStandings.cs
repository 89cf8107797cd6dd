using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;

namespace PgxcBot.Core.Advice;

/// <summary>
/// Derives a pair's <see cref="PairStanding"/> from the bot's records: its stored state, its recent operations
/// and its recent state changes. Pure: the caller reads the stores.
/// </summary>
public static class PairStandings
{
    /// <param name="stored">The stored pair state, or null.</param>
    /// <param name="operations">Recent operations (any datanode, any order; open ones included).</param>
    /// <param name="transitions">The pair's recent state changes (any order).</param>
    /// <param name="now">To tell a running operation from one whose runner is gone (lease lapsed), and a
    /// request still open for approval from an expired one.</param>
    public static PairStanding From(string datanode, PairState? stored, IEnumerable<Operation> operations,
        IEnumerable<PairTransition> transitions, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(transitions);
        var mine = operations.Where(o => o.Datanode == datanode).GroupBy(o => o.Id).Select(g => g.MaxBy(o => o.Revision)!)
            .OrderByDescending(o => o.Id).ToList();
        var changes = transitions.Where(t => t.Datanode == datanode).ToList();

        var running = mine.FirstOrDefault(o => o.State == OperationState.Running && o.LeaseExpiresAt is { } lease && lease > now
                                               || o.State == OperationState.Planned);
        var waiting = mine.FirstOrDefault(o => o.State == OperationState.Interrupted
                                               || (o.State == OperationState.AwaitingApproval && (o.ApprovalExpiresAt is not { } closes || closes > now))
                                               || (o.State == OperationState.Running && o.LeaseExpiresAt is { } lapsed && lapsed <= now));

        // The last operation that did something to the servers (a cancelled request did nothing).
        var last = mine.FirstOrDefault(o => o.State is OperationState.Succeeded or OperationState.Failed
                                            && o.Steps.Any(s => s.Status is Runbooks.StepStatus.Succeeded or Runbooks.StepStatus.Skipped or Runbooks.StepStatus.Failed));
        OperationNote? stopped = null, promoted = null;
        if (last is not null && running is null)
        {
            var ended = last.LastDecision?.At ?? last.RequestedAt;
            // Seen streaming (or writable elsewhere) after it ended: someone started or rebuilt it since.
            var healthySince = changes.Any(t => t.At >= ended && t.To is PairState.Sync or PairState.Async);
            if (last is { State: OperationState.Succeeded } && OperationKinds.Find(last.Kind)?.Leaves == PairOutcome.Stopped && !healthySince && !changes.Any(t => t.At >= ended && t.To == PairState.Promoted))
                stopped = OperationNote.Of(last);
        }
        // The last promote that made the slave master, unless the old master was rebuilt (or roles moved) since:
        // other operations in between (a resolve-2pc, a repoint) do not change that the old master is fenced.
        var promote = mine.FirstOrDefault(o => OperationKinds.Find(o.Kind)?.Leaves == PairOutcome.OldMasterFenced && o.State is OperationState.Succeeded or OperationState.Failed && MadeAMaster(o));
        if (promote is not null && running is null
            && !mine.Any(o => o.Id > promote.Id && OperationKinds.Find(o.Kind)?.Leaves == PairOutcome.SlaveInPlace && o.State == OperationState.Succeeded)
            && !changes.Any(t => t.At >= (promote.LastDecision?.At ?? promote.RequestedAt) && t.To is PairState.Sync or PairState.Async))
            promoted = OperationNote.Of(promote);
        return new PairStanding(datanode, stored,
            running is null ? null : OperationNote.Of(running),
            waiting is null || waiting == running ? null : OperationNote.Of(waiting),
            stopped, promoted);
    }

    /// <summary>A step that makes the slave the master ran (a promote whose only failures came after it still promoted).</summary>
    private static bool MadeAMaster(Operation operation) =>
        operation.Steps.Any(s => s.Index < operation.Plan.Steps.Count && operation.Plan.Steps[s.Index].MakesMaster is not null
                                 && s.Status is Runbooks.StepStatus.Succeeded or Runbooks.StepStatus.Skipped);
}
