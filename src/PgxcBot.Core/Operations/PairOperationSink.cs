using PgxcBot.Core.Assessment;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Pairs;

namespace PgxcBot.Core.Operations;

/// <summary>
/// Tells the pair state machine what a finished operation did, checked against a fresh look at the
/// servers: the operation's trigger fires only when its guards hold on what is observed now.
/// </summary>
public sealed class PairOperationSink(TopologyState topologyState, IClusterObserver observer, PairStateTracker tracker) : IPairOperationSink
{
    public async Task OperationSucceededAsync(Operation operation, CancellationToken cancellationToken)
    {
        var kind = OperationKinds.Find(operation.Kind);
        var trigger = kind?.OnSuccess;
        var topology = await topologyState.CurrentAsync(cancellationToken).ConfigureAwait(false);
        var assessment = ClusterAssessor.Assess(topology, await observer.ObserveAsync(topology, cancellationToken).ConfigureAwait(false));
        var pair = assessment.Pairs.FirstOrDefault(p => p.Datanode == operation.Datanode);
        if (trigger is { } t && pair is not null)
        {
            var facts = PairGuardFacts.From(pair);
            // After a promote the old master is gone by construction (fenced); the guard asks exactly that.
            if (t == PairTrigger.PromoteCompleted) facts = facts with { MasterWritable = false };
            // A switchover promoted the slave it had verified in sync and caught up.
            if (kind is { PromotesInSyncSlave: true }) facts = facts with { SlaveInSync = true };
            await tracker.TryFireAsync(operation.Datanode, t, facts, cancellationToken).ConfigureAwait(false);
        }
        // Then reality: a pair never observed gets its state from the servers, and what the trigger did not
        // explain is recorded as seen (a rebuilt slave that is already sync again, a switched-over pair
        // whose old master streams as its slave).
        await tracker.ObserveAsync(assessment, cancellationToken).ConfigureAwait(false);
    }
}
