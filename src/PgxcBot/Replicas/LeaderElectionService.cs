using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PgxcBot.Replicas;

/// <summary>Runs <see cref="LeaderElector.TickAsync"/> every <see cref="LeaderElector.RenewInterval"/> (a second
/// while standby, so a takeover follows an expiry closely) and gives the lease up on a clean stop.</summary>
public sealed partial class LeaderElectionService(LeaderElector elector, TimeProvider time, ILogger<LeaderElectionService> logger) : BackgroundService
{
    /// <summary>How often a standby asks whether the lease is free.</summary>
    public static readonly TimeSpan StandbyPoll = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var active = await elector.TickAsync(stoppingToken).ConfigureAwait(false);
            var wait = active ? elector.RenewInterval : (StandbyPoll < elector.RenewInterval ? StandbyPoll : elector.RenewInterval);
            try
            {
                await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Stops the loop without giving the lease up: what a crash looks like to the other replica (benchmarks).</summary>
    public Task StopWithoutReleaseAsync() => base.StopAsync(CancellationToken.None);

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await elector.ReleaseAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogReleaseFailed(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not give up the leader lease on shutdown ({Error}); the other replica takes over when it expires")]
    private static partial void LogReleaseFailed(ILogger logger, string error);
}
