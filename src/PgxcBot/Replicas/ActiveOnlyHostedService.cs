using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PgxcBot.Replicas;

/// <summary>
/// Runs a hosted service (monitor, outbox sender, Discord gateway) only while this replica is active: starts it each
/// time the replica becomes active and stops it as soon as it stops being active, so a standby never polls, never
/// sends a chat message and never holds the gateway session. What it would write in the moment between losing the
/// lease and being stopped is refused by the store's fence.
/// </summary>
public sealed partial class ActiveOnlyHostedService(IHostedService inner, LeaderElector elector, ILogger<ActiveOnlyHostedService> logger) : BackgroundService
{
    /// <summary>The wrapped service.</summary>
    public IHostedService Inner => inner;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var name = inner.GetType().Name;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await elector.WaitUntilActiveAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var active = elector.ActiveToken;
            if (active.IsCancellationRequested) continue;
            LogStarting(logger, name);
            await inner.StartAsync(stoppingToken).ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(active, stoppingToken).Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Lost the lease or the host stops: stop the service either way.
            }
            LogStopping(logger, name);
            await inner.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Active replica: starting {Service}")]
    private static partial void LogStarting(ILogger logger, string service);

    [LoggerMessage(Level = LogLevel.Information, Message = "No longer active (or stopping): stopping {Service}")]
    private static partial void LogStopping(ILogger logger, string service);
}
