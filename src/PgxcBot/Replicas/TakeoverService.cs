using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Operations;
using PgxcBot.Hosting;

namespace PgxcBot.Replicas;

/// <summary>
/// What a replica does each time it becomes active, before anything else of its turn: reconcile every pair's stored
/// state with a fresh observation (reality wins over the store), then finish the operations the previous leader left
/// running by the existing step-by-step resume (<see cref="OperationService.TakeOverAsync"/>). The outbox needs nothing here: its sender, started by
/// <see cref="ActiveOnlyHostedService"/>, delivers what is pending, and an entry marked done is never sent again.
/// </summary>
public sealed partial class TakeoverService(LeaderElector elector, OperationService operations, StartupReconciler reconciler,
    TakeoverMode mode, ILogger<TakeoverService> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await elector.WaitUntilActiveAsync(stoppingToken).ConfigureAwait(false);
                var active = elector.ActiveToken;
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(active, stoppingToken);
                LogTakeover(logger, elector.ReplicaId, elector.Current?.Epoch ?? 0);
                await reconciler.ReconcileAsync(linked.Token).ConfigureAwait(false);
                if (mode.ResumeOperations)
                {
                    foreach (var reply in await operations.TakeOverAsync(Actor(elector.ReplicaId), linked.Token).ConfigureAwait(false))
                        LogResumed(logger, reply.Operation?.Id ?? 0, reply.Operation?.State.ToString() ?? "unknown", reply.Refusal ?? reply.Operation?.Result ?? "");
                }
                else
                {
                    await operations.RecoverAsync(linked.Token).ConfigureAwait(false);
                }
                // Wait for the end of this turn before the next one's takeover.
                await Task.Delay(Timeout.Infinite, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Lost the lease (next turn) or stopping (the loop ends).
            }
            catch (StoreUnavailableException e)
            {
                LogTakeoverFailed(logger, e.Message);
                try
                {
                    await Task.Delay(elector.RenewInterval, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Stopping.
                }
            }
        }
    }

    /// <summary>Who the resumes of a takeover are stored as: "replica bot-b's takeover".</summary>
    public static Actor Actor(string replicaId) => new("pgxcbot-takeover", $"replica {replicaId}'s takeover", []);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Takeover: operation {Operation} taken over from the previous active replica is {State}: {Result}")]
    private static partial void LogResumed(ILogger logger, long operation, string state, string result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica {Replica} took over (epoch {Epoch}): resuming interrupted operations and reconciling pair states with a fresh observation")]
    private static partial void LogTakeover(ILogger logger, string replica, long epoch);

    [LoggerMessage(Level = LogLevel.Error, Message = "The takeover could not finish: {Error}")]
    private static partial void LogTakeoverFailed(ILogger logger, string error);
}

/// <summary>Whether a takeover finishes the previous leader's operations (a serving bot) or only reports them.</summary>
public sealed record TakeoverMode(bool ResumeOperations);
