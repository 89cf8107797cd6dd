using PgxcBot.Core.Assessment;
using static PgxcBot.Core.Pairs.PairState;
using static PgxcBot.Core.Pairs.PairTrigger;

namespace PgxcBot.Core.Pairs;

/// <summary>One line of the transition table. <see cref="To"/> null: the trigger is expected here and
/// changes nothing (Stateless Ignore).</summary>
public sealed record PairTransitionRule(PairState From, PairTrigger Trigger, PairState? To, string Reason, PairGuard? Guard = null);

/// <summary>
/// The whole life of a datanode pair, one line per transition, with the sentence that is logged and
/// stored when it happens. Rows on <see cref="PairState.Degraded"/> also apply to its sub-states
/// (DegradedSlaveLost, DegradedMasterLost) unless a sub-state has its own row for the trigger.
/// </summary>
public static class PairTransitions
{
    private static PairTransitionRule Go(PairState from, PairTrigger trigger, PairState to, string reason, PairGuard? guard = null) =>
        new(from, trigger, to, reason, guard);

    private static PairTransitionRule Stay(PairState from, PairTrigger trigger, string reason) =>
        new(from, trigger, null, reason);

    public static IReadOnlyList<PairTransitionRule> Table { get; } =
    [
        // --- Sync: the healthy pair; every commit is on both servers ---
        Stay(Sync, ObservedSync, "Still in sync"),
        Go(Sync, ObservedAsync, Async, "The slave still streams but is no longer the synchronous standby: commits no longer wait for it"),
        Go(Sync, ObservedSlaveLost, DegradedSlaveLost, "The synchronous slave stopped streaming: commits wait for it until the pair is switched to async"),
        Go(Sync, ObservedMasterLost, DegradedMasterLost, "The master stopped answering while the slave was in sync: the slave holds every commit"),
        Go(Sync, ObservedPromoted, Promoted, "The slave accepts writes and the master is gone: the slave was promoted outside the bot"),
        Go(Sync, ObservedSplitBrain, Degraded, "Both servers accept writes: split brain"),
        Go(Sync, ObservedNoMaster, Degraded, "No server of the pair takes writes"),
        Stay(Sync, SyncEnabled, "Already synchronous"),
        Go(Sync, AsyncEnabled, Async, "An operator switched the pair to asynchronous replication"),
        Go(Sync, PromoteCompleted, Promoted, "A switchover promoted the in-sync slave"),

        // --- Async: the slave streams, but a failover may lose the last commits ---
        Stay(Async, ObservedAsync, "Still asynchronous"),
        Go(Async, ObservedSync, Sync, "The slave became the synchronous standby"),
        Go(Async, ObservedSlaveLost, DegradedSlaveLost, "The asynchronous slave stopped streaming: the master has no standby"),
        Go(Async, ObservedMasterLost, DegradedMasterLost, "The master stopped answering while the slave was asynchronous: the last commits may be missing on it"),
        Go(Async, ObservedPromoted, Promoted, "The slave accepts writes and the master is gone: the slave was promoted outside the bot"),
        Go(Async, ObservedSplitBrain, Degraded, "Both servers accept writes: split brain"),
        Go(Async, ObservedNoMaster, Degraded, "No server of the pair takes writes"),
        Go(Async, SyncEnabled, Sync, "An operator made the streaming slave the synchronous standby", PairGuard.SlaveStreaming),
        Stay(Async, AsyncEnabled, "Already asynchronous"),
        Go(Async, PromoteCompleted, Promoted, "A switchover promoted the caught-up slave", PairGuard.SlaveInSync),

        // --- Degraded: split brain or no master; also the defaults of the two sub-states below ---
        Go(Degraded, ObservedSync, Sync, "The pair recovered: the slave streams as the synchronous standby"),
        Go(Degraded, ObservedAsync, Async, "The pair recovered: the slave streams asynchronously"),
        Go(Degraded, ObservedSlaveLost, DegradedSlaveLost, "A single writable master is back, but its slave is not streaming"),
        Go(Degraded, ObservedMasterLost, DegradedMasterLost, "The master does not answer and the slave is in recovery"),
        Go(Degraded, ObservedPromoted, Promoted, "The slave is the only writable server: it was promoted"),
        Stay(Degraded, ObservedSplitBrain, "Still no single writable master"),
        Stay(Degraded, ObservedNoMaster, "Still no single writable master"),
        Go(Degraded, SyncEnabled, Sync, "An operator made the streaming slave the synchronous standby", PairGuard.SlaveStreaming),
        Stay(Degraded, AsyncEnabled, "Async unblocks commits but does not bring the slave back"),
        Go(Degraded, PromoteCompleted, Promoted, "The slave was promoted to replace the lost master", PairGuard.MasterGone),
        Go(Degraded, SlaveRebuilt, Async, "The slave was rebuilt from the master and streams asynchronously", PairGuard.SlaveStreaming),

        // --- DegradedSlaveLost: the master runs alone; next: async, then rebuild the slave ---
        Stay(DegradedSlaveLost, ObservedSlaveLost, "The slave is still not streaming"),
        Go(DegradedSlaveLost, ObservedSplitBrain, Degraded, "The slave came back writable next to the master: split brain"),
        Go(DegradedSlaveLost, ObservedNoMaster, Degraded, "The master stopped taking writes too"),

        // --- DegradedMasterLost: only the slave is left; next: promote it ---
        Stay(DegradedMasterLost, ObservedMasterLost, "The master still does not answer"),
        Go(DegradedMasterLost, ObservedSplitBrain, Degraded, "The master came back writable next to a promoted slave: split brain"),
        Go(DegradedMasterLost, ObservedNoMaster, Degraded, "The slave stopped answering too: no server of the pair is up"),

        // --- Promoted: the old slave is the master; next: repoint, rebuild the old master as slave ---
        Stay(Promoted, ObservedPromoted, "The promoted slave still takes the writes"),
        Stay(Promoted, ObservedSlaveLost, "The promoted master runs without a slave until the old master is rebuilt"),
        Go(Promoted, ObservedSync, Sync, "The rebuilt old master streams as the synchronous standby"),
        Go(Promoted, ObservedAsync, Async, "The rebuilt old master streams asynchronously"),
        Go(Promoted, ObservedMasterLost, DegradedMasterLost, "The promoted master stopped answering"),
        Go(Promoted, ObservedSplitBrain, Degraded, "The old master came back writable next to the promoted one: split brain"),
        Go(Promoted, ObservedNoMaster, Degraded, "The promoted master stopped taking writes"),
        Go(Promoted, SyncEnabled, Sync, "An operator made the rebuilt slave the synchronous standby", PairGuard.SlaveStreaming),
        Stay(Promoted, AsyncEnabled, "Already without a synchronous standby"),
        Stay(Promoted, PromoteCompleted, "Already promoted"),
        Go(Promoted, SlaveRebuilt, Async, "The old master was rebuilt as the new slave and streams", PairGuard.SlaveStreaming),
    ];

    /// <summary>The sub-states of <see cref="PairState.Degraded"/>; they inherit its rows.</summary>
    public static IReadOnlyList<PairState> DegradedSubstates { get; } = [DegradedSlaveLost, DegradedMasterLost];

    /// <summary>The trigger an observed condition fires; null for <see cref="ObservedCondition.Unknown"/>
    /// (the bot cannot tell, so the stored state stands).</summary>
    public static PairTrigger? TriggerFor(ObservedCondition condition) => condition switch
    {
        ObservedCondition.Sync => ObservedSync,
        ObservedCondition.Async => ObservedAsync,
        ObservedCondition.SlaveLost => ObservedSlaveLost,
        ObservedCondition.MasterLost => ObservedMasterLost,
        ObservedCondition.Promoted => ObservedPromoted,
        ObservedCondition.SplitBrain => ObservedSplitBrain,
        ObservedCondition.NoMaster => ObservedNoMaster,
        _ => null,
    };

    /// <summary>The state reality implies on its own (used when nothing is stored, and to reconcile).</summary>
    public static PairState? StateFor(ObservedCondition condition) => condition switch
    {
        ObservedCondition.Sync => Sync,
        ObservedCondition.Async => Async,
        ObservedCondition.SlaveLost => DegradedSlaveLost,
        ObservedCondition.MasterLost => DegradedMasterLost,
        ObservedCondition.Promoted => Promoted,
        ObservedCondition.SplitBrain or ObservedCondition.NoMaster => Degraded,
        _ => null,
    };

    /// <summary>The row that applies to <paramref name="trigger"/> in <paramref name="state"/>: its own,
    /// or its super-state's.</summary>
    public static PairTransitionRule? Find(PairState state, PairTrigger trigger) =>
        Table.FirstOrDefault(r => r.From == state && r.Trigger == trigger)
        ?? (DegradedSubstates.Contains(state) ? Table.FirstOrDefault(r => r.From == Degraded && r.Trigger == trigger) : null);

    /// <summary>Lower-case words for sentences: "sync", "degraded (slave lost)".</summary>
    public static string Describe(PairState state) => state switch
    {
        Sync => "sync",
        Async => "async",
        Degraded => "degraded",
        DegradedSlaveLost => "degraded (slave lost)",
        DegradedMasterLost => "degraded (master lost)",
        Promoted => "promoted",
        _ => state.ToString(),
    };

    /// <summary>What the servers show, as words for a sentence.</summary>
    public static string Describe(ObservedCondition condition) => condition switch
    {
        ObservedCondition.Sync => "the slave streaming in sync",
        ObservedCondition.Async => "the slave streaming asynchronously",
        ObservedCondition.SlaveLost => "the slave lost",
        ObservedCondition.MasterLost => "the master lost",
        ObservedCondition.Promoted => "the slave promoted",
        ObservedCondition.SplitBrain => "both servers writable (split brain)",
        ObservedCondition.NoMaster => "no writable master",
        _ => "nothing the bot can judge",
    };
}
