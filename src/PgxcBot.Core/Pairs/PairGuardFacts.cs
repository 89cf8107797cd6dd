using PgxcBot.Core.Assessment;

namespace PgxcBot.Core.Pairs;

/// <summary>
/// What the guards of the pair machine look at. Taken from the latest assessment for observed triggers;
/// a runbook passes what it verified for operation triggers.
/// </summary>
/// <param name="SlaveStreaming">The slave streams from the master (sync or async).</param>
/// <param name="SlaveInSync">The slave is (or, with the master lost, was) the synchronous standby.</param>
/// <param name="MasterWritable">The configured master answers and takes writes.</param>
public sealed record PairGuardFacts(bool SlaveStreaming, bool SlaveInSync, bool MasterWritable)
{
    /// <summary>Nothing known: every guard that needs a fact fails.</summary>
    public static PairGuardFacts None { get; } = new(false, false, false);

    public static PairGuardFacts From(PairAssessment assessment)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        var streaming = assessment.Condition is ObservedCondition.Sync or ObservedCondition.Async
            && assessment.Problems.All(p => p.Code != ProblemCodes.NoSlaveConfigured);
        var masterWritable = assessment.Condition is ObservedCondition.Sync or ObservedCondition.Async
            or ObservedCondition.SlaveLost or ObservedCondition.SplitBrain;
        return new PairGuardFacts(streaming, assessment.SlaveInSync, masterWritable);
    }
}

/// <summary>A named condition on a transition; <see cref="Description"/> is shown in the diagram and in
/// "why not" answers, so it is written as the fact that must hold.</summary>
public sealed record PairGuard(string Description, Func<PairGuardFacts, bool> Check)
{
    public static PairGuard SlaveStreaming { get; } = new("the slave is streaming", f => f.SlaveStreaming);
    public static PairGuard SlaveInSync { get; } = new("the slave has every commit (it is the synchronous standby)", f => f.SlaveInSync);
    public static PairGuard MasterGone { get; } = new("the old master no longer takes writes", f => !f.MasterWritable);
}
