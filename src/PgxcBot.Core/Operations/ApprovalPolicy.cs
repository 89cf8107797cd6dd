namespace PgxcBot.Core.Operations;

/// <summary>
/// Who may ask for operations, approve, cancel and resume them. Users and roles are chat ids (Discord
/// snowflakes, or console names). The approver must be another person unless <see cref="AllowSelfApproval"/>.
/// Cancel and resume need the same standing as a request (listed as requester or approver): stopping or
/// continuing a runbook changes the cluster as much as starting one. Closing an operation past its point of
/// no return (<c>cancel --abandon</c>) needs an approver.
/// </summary>
public sealed record ApprovalPolicy(
    IReadOnlySet<string> RequesterUsers,
    IReadOnlySet<string> RequesterRoles,
    IReadOnlySet<string> ApproverUsers,
    IReadOnlySet<string> ApproverRoles,
    bool AllowSelfApproval,
    TimeSpan Expiry,
    IReadOnlySet<string> KindsNeedingApproval)
{
    /// <summary>Every kind whose row in <see cref="OperationKinds"/> ever needs approval.</summary>
    public static readonly IReadOnlySet<string> DefaultKindsNeedingApproval =
        new HashSet<string>(OperationKinds.All.Where(k => k.Approval != KindApproval.Never).Select(k => k.Name), StringComparer.Ordinal);

    public static readonly TimeSpan DefaultExpiry = TimeSpan.FromMinutes(10);

    /// <summary>Nobody may request or approve: the safe default until the config lists people.</summary>
    public static ApprovalPolicy Nobody { get; } = new(new HashSet<string>(), new HashSet<string>(), new HashSet<string>(), new HashSet<string>(),
        AllowSelfApproval: false, DefaultExpiry, DefaultKindsNeedingApproval);

    /// <summary>May an operation of <paramref name="kind"/> need approval at all (listed in <see cref="KindsNeedingApproval"/>)?</summary>
    public bool NeedsApproval(string kind) => KindsNeedingApproval.Contains(kind);

    /// <summary>Does this plan of <paramref name="kind"/> wait for a second person? Listed, and its row's
    /// <see cref="KindApproval"/> says so for this plan (the async switch only when it lowers durability).</summary>
    public bool NeedsApproval(string kind, Runbooks.Runbook plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return NeedsApproval(kind) && (OperationKinds.Find(kind)?.Approval != KindApproval.WhenLowersDurability || plan.LowersDurability);
    }

    public Decision CanRequest(Actor actor) =>
        IsRequesterOrApprover(actor)
            ? Decision.Yes
            : Decision.No($"{actor} may not request operations: neither the user nor any of their roles is listed in approvals.requesters. " +
                          "Ask an administrator to add you, or ask an authorised colleague.");

    public Decision CanApprove(Actor actor, Operation operation, DateTimeOffset now)
    {
        if (operation.State != OperationState.AwaitingApproval)
            return Decision.No($"operation {operation.Id} is {operation.State.ToString().ToLowerInvariant()}, not awaiting approval: nothing to approve.");
        if (operation.ApprovalExpiresAt is { } expires && now >= expires)
            return Decision.No($"the approval window of operation {operation.Id} closed at {expires:HH:mm:ss} UTC; request it again to get a fresh plan.");
        return ApproverOtherThanRequester(actor, operation.RequestedBy.Id, $"operation {operation.Id}");
    }

    /// <summary>May <paramref name="actor"/> cancel <paramref name="operation"/>? Listed as requester or approver.</summary>
    public Decision CanCancel(Actor actor, Operation operation) => MayAct(actor, "cancel", operation);

    /// <summary>May <paramref name="actor"/> end a maintenance window or a silence at once? Approvers only: it changes
    /// the automatic actions and pages the operator configured. (Setting one is a request, <see cref="CanRequest"/>,
    /// approved by a second person, <see cref="CanApproveMute"/>.)</summary>
    public Decision CanMute(Actor actor) =>
        IsIn(actor, ApproverUsers, ApproverRoles)
            ? Decision.Yes
            : Decision.No($"{actor} may not end maintenance or silences: only someone listed in approvals.approvers may change automatic actions and pages. Ask an approver.");

    /// <summary>
    /// May <paramref name="actor"/> approve <paramref name="request"/> (a maintenance window or a silence)? The rules of
    /// an operation's approval: it still awaits approval and its window is open, the actor is an approver, and not the
    /// requester unless <see cref="AllowSelfApproval"/>.
    /// </summary>
    public Decision CanApproveMute(Actor actor, Monitoring.MuteRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        if (request.State != Monitoring.MuteRequest.Awaiting)
            return Decision.No($"request {request.Id} ({request.Name}) is {request.State}, not awaiting approval: nothing to approve.");
        if (now >= request.ExpiresAt)
            return Decision.No($"the approval window of request {request.Id} ({request.Name}) closed at {request.ExpiresAt:HH:mm:ss} UTC; request it again.");
        return ApproverOtherThanRequester(actor, request.RequestedById, $"{request.Name} (request {request.Id})");
    }

    /// <summary>May <paramref name="actor"/> resume <paramref name="operation"/>? Listed as requester or approver.</summary>
    public Decision CanResume(Actor actor, Operation operation) => MayAct(actor, "resume", operation);

    /// <summary>May <paramref name="actor"/> close an operation past its point of no return without finishing it? Approvers only.</summary>
    public Decision CanAbandon(Actor actor, Operation operation) =>
        IsIn(actor, ApproverUsers, ApproverRoles)
            ? Decision.Yes
            : Decision.No($"{actor} may not abandon operation {operation.Id}: only someone listed in approvals.approvers may close an operation past its point of no return.");

    /// <summary>The rule an operation's approval and a mute request's approval share, once the request is still
    /// open: the actor is an approver, and not its requester unless <see cref="AllowSelfApproval"/>.</summary>
    /// <param name="what">The request as the refusal names it, e.g. "operation 7".</param>
    private Decision ApproverOtherThanRequester(Actor actor, string requestedById, string what)
    {
        if (!IsIn(actor, ApproverUsers, ApproverRoles))
            return Decision.No($"{actor} may not approve: neither the user nor any of their roles is listed in approvals.approvers.");
        if (!AllowSelfApproval && string.Equals(actor.Id, requestedById, StringComparison.Ordinal))
            return Decision.No($"self-approval is not allowed: {actor} requested {what}; another authorised person must approve it.");
        return Decision.Yes;
    }

    /// <summary>Cancel and resume: anyone listed as requester or approver may.</summary>
    private Decision MayAct(Actor actor, string verb, Operation operation) =>
        IsRequesterOrApprover(actor)
            ? Decision.Yes
            : Decision.No($"{actor} may not {verb} operation {operation.Id}: neither the user nor any of their roles is listed in approvals.requesters or approvals.approvers. " +
                          "Ask the requester or an approver.");

    private bool IsRequesterOrApprover(Actor actor) => IsIn(actor, RequesterUsers, RequesterRoles) || IsIn(actor, ApproverUsers, ApproverRoles);

    private static bool IsIn(Actor actor, IReadOnlySet<string> users, IReadOnlySet<string> roles) =>
        users.Contains(actor.Id) || actor.Roles.Any(roles.Contains);
}

public sealed record Decision(bool Allowed, string? Reason)
{
    public static Decision Yes { get; } = new(true, null);
    public static Decision No(string reason) => new(false, reason);
}
