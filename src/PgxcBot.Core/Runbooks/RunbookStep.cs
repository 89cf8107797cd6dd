namespace PgxcBot.Core.Runbooks;

/// <summary>What the runbook does when a step fails.</summary>
public enum OnFailure
{
    /// <summary>Stop the operation: later steps depend on this one.</summary>
    Stop,
    /// <summary>Note the failure and go on (e.g. one coordinator of several could not be repointed).</summary>
    Continue,
}

/// <summary>
/// One step of a runbook, as the runbook would say it: what it does, where, the exact command or SQL,
/// how success is checked, how long it may take, whether it may run again, and how it is undone.
/// </summary>
/// <param name="Id">Stable within the runbook ("promote-slave", "repoint-coord1"); the store and resume key on it.</param>
/// <param name="Title">What the step does, in a few words ("Promote the slave on node02").</param>
/// <param name="Where">Host or server, as an operator names it.</param>
/// <param name="Verify">Polled until yes or the timeout after the action: the step succeeded only then.</param>
/// <param name="DoneWhen">Asked before running on resume: yes means the step's effect is already there.</param>
/// <param name="Attempts">How many times the action may be tried within the timeout (only when re-runnable).</param>
/// <param name="Undo">How to undo it by hand, in words; null when there is nothing to undo.</param>
/// <param name="MakesMaster">address:port of the server that is the pair's master once this step has
/// succeeded; the roles are stored at once, before anything else runs.</param>
/// <param name="IfFailed">What a failure of this step may still mean, said with the failure (e.g. a stop
/// that timed out may still take effect when a frozen server wakes).</param>
/// <param name="PointOfNoReturn">Once this step has run (or may have: it was running, or failed half-way), the
/// operation cannot just stop: e.g. after the fence of a promote the pair has no master until the promote and
/// the repoints have run. Cancel is then refused and the answer is resume (or finishing by hand).</param>
public sealed record RunbookStep(
    string Id,
    string Title,
    string Where,
    StepAction Action,
    Probe? Verify,
    Probe? DoneWhen,
    TimeSpan Timeout,
    bool Rerunnable,
    OnFailure OnFailure = OnFailure.Stop,
    int Attempts = 1,
    string? Undo = null,
    string? MakesMaster = null,
    string? IfFailed = null,
    bool PointOfNoReturn = false);
