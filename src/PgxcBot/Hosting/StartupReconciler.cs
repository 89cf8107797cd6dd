using Microsoft.Extensions.Logging;
using PgxcBot.Core.Pairs;

namespace PgxcBot.Hosting;

/// <summary>
/// At start, the stored pair states meet a fresh observation: reality wins, and each correction is stored
/// as a transition with its reason. Without this, a bot that starts after a failure would judge a promote
/// by a state it never checked.
/// </summary>
public sealed partial class StartupReconciler(IClusterStatusSource status, PairStateTracker tracker, ILogger<StartupReconciler> logger)
{
    /// <summary>Observes the cluster and corrects what the stored states cannot explain. Returns the status it
    /// observed when no state had to be corrected (it then still holds), else null; also null when the cluster
    /// could not be observed (logged; the bot still starts). Throws only <see cref="OperationCanceledException"/>.</summary>
    public async Task<ClusterStatus?> ReconcileAsync(CancellationToken cancellationToken)
    {
        // The status source already lets the machines follow what it saw; what the table cannot explain
        // (a state stored long ago) is then set to what the servers show.
        try
        {
            var seen = await status.GetAsync(cancellationToken);
            var transitions = await tracker.ReconcileAsync(seen.Assessment, cancellationToken);
            foreach (var transition in transitions)
                LogReconciled(logger, transition.Datanode, transition.From, transition.To, transition.Reason);
            return transitions.Count == 0 ? seen : null;
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
        {
            // Interrupted: an observation cut short may fail otherwise (a probe rethrows what it got once cancelled).
            throw new OperationCanceledException("the start was interrupted", e, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The bot still starts: its commands say what they cannot see, and the next observation retries.
            LogFailed(logger, e);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "At start, the cluster could not be observed; stored pair states stand until the next observation")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "At start, {Datanode}: {From} -> {To}: {Reason}")]
    private static partial void LogReconciled(ILogger logger, string datanode, PairState from, PairState to, string reason);
}
