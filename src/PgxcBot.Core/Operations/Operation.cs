using PgxcBot.Core.Runbooks;

namespace PgxcBot.Core.Operations;

/// <summary>
/// Planned → AwaitingApproval → Running → Succeeded | Failed | Cancelled, and Interrupted when the bot died
/// while Running (found at start; <c>/pgxc resume</c> continues it).
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
    /// <summary>A random value bound into approval buttons, so an old or forged button cannot approve a new plan.</summary>
    string Nonce,
    Runbook Plan,
    IReadOnlyList<StepRecord> Steps,
    string? Result,
    /// <summary>Options of the request that change the plan (accept-data-loss, ...), kept to re-plan at approval.</summary>
    IReadOnlyList<string> Flags)
{
    public bool IsFinished => State is OperationState.Succeeded or OperationState.Failed or OperationState.Cancelled;

    /// <summary>The step records for a fresh plan, all pending.</summary>
    public static IReadOnlyList<StepRecord> PendingSteps(Runbook plan) =>
        plan.Steps.Select((s, i) => new StepRecord(i, s.Id, s.Title, s.Where, s.Action.Text, StepStatus.Pending, null, null, null, null)).ToArray();
}
