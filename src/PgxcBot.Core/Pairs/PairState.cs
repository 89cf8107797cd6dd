namespace PgxcBot.Core.Pairs;

/// <summary>
/// The life of a datanode pair. Degraded has two sub-states because the next step differs: a lost
/// slave means "switch to async, then rebuild the slave", a lost master means "promote".
/// </summary>
public enum PairState
{
    Async,
    Sync,
    Degraded,
    DegradedSlaveLost,
    DegradedMasterLost,
    Promoted,
}

public enum PairTrigger
{
    // From observation (assessments).
    ObservedSync,
    ObservedAsync,
    ObservedSlaveLost,
    ObservedMasterLost,
    ObservedPromoted,
    ObservedSplitBrain,
    ObservedNoMaster,
    // From operations (runbooks), added by the runbook engine.
    SyncEnabled,
    AsyncEnabled,
    PromoteCompleted,
    SlaveRebuilt,
}

/// <summary>One stored transition: when, from where to where, why.</summary>
public sealed record PairTransition(
    string Datanode,
    DateTimeOffset At,
    PairState From,
    PairState To,
    PairTrigger Trigger,
    string Reason);
