using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;

namespace PgxcBot.Core.Advice;

/// <summary>One operation of a pair as the advice needs it: which, what, where it stands, since when.</summary>
/// <param name="At">When it reached <paramref name="State"/> (started, requested, interrupted, finished).</param>
/// <param name="Progress">"step 3 of 8: Promote the slave on node02", or "5 of 8 steps done".</param>
/// <param name="Nonce">The plan version (an approval button needs it).</param>
/// <param name="Who">Who asked and who approved, in words ("asked by alice, approved by bob").</param>
public sealed record OperationNote(long Id, string Kind, OperationState State, DateTimeOffset At, string Progress, string Nonce, string Who)
{
    /// <summary>The note of <paramref name="operation"/> as it stands.</summary>
    public static OperationNote Of(Operation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var at = operation.LastDecision?.At ?? operation.RequestedAt;
        var who = $"asked by {operation.RequestedBy.DisplayName}" + (operation.ApprovedBy is { } a ? $", approved by {a.DisplayName}" : "");
        return new OperationNote(operation.Id, operation.Kind, operation.State, at, OperationStories.Progress(operation), operation.Nonce, who);
    }
}

/// <summary>
/// What the bot's own records say about a pair, beside what the servers show: its stored state, an operation
/// acting on it now, one that waits for a person, and whether it was last stopped on purpose. The advice
/// (<see cref="PairAdvisor"/>) reads evidence first; these only change what the evidence means (a slave that
/// does not stream after a promote is the fenced old master) or explain it (a pair the bot itself stopped).
/// </summary>
/// <param name="Stored">The pair state machine's state; null when never stored.</param>
/// <param name="Running">An operation running on the pair now (its runner's lease is valid).</param>
/// <param name="Waiting">An operation that waits for a person: awaiting approval, or interrupted.</param>
/// <param name="Stopped">The pair's last operation was a stop that succeeded, and nothing seen since says it
/// was started again.</param>
/// <param name="Promoted">The pair's last operation was a promote that succeeded (the old master is fenced),
/// or the stored state is Promoted.</param>
public sealed record PairStanding(
    string Datanode,
    PairState? Stored,
    OperationNote? Running,
    OperationNote? Waiting,
    OperationNote? Stopped,
    OperationNote? Promoted)
{
    /// <summary>Nothing known beyond the servers.</summary>
    public static PairStanding None(string datanode) => new(datanode, null, null, null, null, null);

    /// <summary>The maintenance window in force on the pair (its own, or the whole cluster's), or null: the next step
    /// says who set it, why and until when, since the bot takes no automatic action on the pair meanwhile.</summary>
    public Monitoring.Mute? Maintenance { get; init; }

    /// <summary>The old master was fenced by a promote and has not been rebuilt since.</summary>
    public bool OldMasterFenced => Stored == PairState.Promoted || Promoted is not null;
}
