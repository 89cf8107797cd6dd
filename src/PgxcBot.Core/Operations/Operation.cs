using PgxcBot.Core.Runbooks;

namespace PgxcBot.Core.Operations;

/// <summary>
/// Planned → AwaitingApproval → Running → Succeeded | Failed | Cancelled, and Interrupted when the process
/// running it stopped (died, or could no longer record its steps) before the end; <c>/pgxc resume</c>
/// continues it. Every change between states is a compare-and-set in the store (<see cref="IOperationStore"/>).
/// </summary>
public enum OperationState { Planned, AwaitingApproval, Running, Succeeded, Failed, Cancelled, Interrupted }

/// <summary>Someone in chat (or at the console): a user id and the roles they hold.</summary>
public sealed record Actor(string Id, string DisplayName, IReadOnlyList<string> Roles)
{
    public static Actor Console(string user) => new(user, user, []);
    public override string ToString() => DisplayName == Id ? Id : $"{DisplayName} ({Id})";
}

/// <summary>One step of an operation as stored: its plan text and how it went.</summary>
public sealed record StepRecord(
    int Index,
    string StepId,
    string Title,
    string Where,
    string ActionText,
    StepStatus Status,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    string? Summary,
    string? Output);

/// <summary>What was done to an operation, for history and for the loser of a race ("already approved by bob").</summary>
public enum DecisionKind { Requested, Approved, Replanned, Started, Resumed, Cancelled, Expired, Abandoned, Interrupted, Succeeded, Failed }

/// <summary>One change of an operation's state: what, by whom (null: the bot itself), when (UTC).</summary>
public sealed record OperationDecision(DecisionKind Kind, Actor? By, DateTimeOffset At);

/// <summary>An operation: who asked, who approved, the plan and what each step did.</summary>
public sealed record Operation(
    long Id,
    string Kind,
    string Datanode,
    OperationState State,
    Actor RequestedBy,
    DateTimeOffset RequestedAt,
    Actor? ApprovedBy,
    DateTimeOffset? ApprovedAt,
    DateTimeOffset? ApprovalExpiresAt,
    /// <summary>The plan version: a random value bound into approval buttons, so an old or forged button cannot
    /// approve a new plan. Every compare-and-set checks it.</summary>
    string Nonce,
    Runbook Plan,
    IReadOnlyList<StepRecord> Steps,
    string? Result,
    /// <summary>Options of the request that change the plan (accept-data-loss, ...), kept to re-plan at approval.</summary>
    IReadOnlyList<string> Flags)
{
    /// <summary>Set by the store: 1 when created, one more at every stored change. The compare-and-set token:
    /// a change based on revision N is written only while the store still holds revision N.</summary>
    public long Revision { get; init; }

    /// <summary>While <see cref="OperationState.Running"/>: the process running it (<see cref="OperationRuns.RunnerId"/>).</summary>
    public string? Runner { get; init; }

    /// <summary>While running: the runner's claim lasts until then and is renewed as it runs. Once it has
    /// lapsed, the runner is taken to be gone and another process may mark the operation interrupted.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>Every change of state, oldest first.</summary>
    public IReadOnlyList<OperationDecision> Decisions { get; init; } = [];

    public bool IsFinished => State is OperationState.Succeeded or OperationState.Failed or OperationState.Cancelled;

    /// <summary>Counts against "one operation per pair": Planned, AwaitingApproval, Running, Interrupted.</summary>
    public bool IsOpen => State is OperationState.Planned or OperationState.AwaitingApproval or OperationState.Running or OperationState.Interrupted;

    /// <summary>The last change of state, if any was recorded.</summary>
    public OperationDecision? LastDecision => Decisions.Count == 0 ? null : Decisions[^1];

    /// <summary>This operation with one more decision recorded.</summary>
    public Operation With(DecisionKind kind, Actor? by, DateTimeOffset at) => this with { Decisions = [.. Decisions, new OperationDecision(kind, by, at)] };

    /// <summary>The step records for a fresh plan, all pending.</summary>
    public static IReadOnlyList<StepRecord> PendingSteps(Runbook plan) =>
        plan.Steps.Select((s, i) => new StepRecord(i, s.Id, s.Title, s.Where, s.Action.Text, StepStatus.Pending, null, null, null, null)).ToArray();
}
