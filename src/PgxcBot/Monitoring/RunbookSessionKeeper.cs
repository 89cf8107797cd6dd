using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Runbooks;

namespace PgxcBot.Monitoring;

/// <summary>
/// Keeps a runbook session open on every datanode master (<see cref="RunbookSessions"/>) beside the monitor, so that
/// an automatic async switch finds one when commits wait: at start, then every <see cref="RunbookSessions.CheckEvery"/>,
/// one master at a time (a starting bot already opens the monitor's and the commit watch's sessions on every server).
/// The SQL executor keeps the session it opens; a master that does not answer is only logged (the monitor reports
/// it) and tried again at the next check. Reads the current roles, so a promoted slave gets its session within a check.
/// </summary>
internal sealed class RunbookSessionKeeper(TopologyState topologyState, ISqlExecutor sql, TimeProvider time, ILogger<RunbookSessionKeeper> logger)
    : BackgroundService
{
    /// <summary>Rounds completed (each went over every master once).</summary>
    public int Rounds => Volatile.Read(ref _rounds);

    private int _rounds;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // On the clock's schedule from the start: a slow round delays the next check, never shifts the ones after it.
        using var timer = new PeriodicTimer(RunbookSessions.CheckEvery, time);
        try
        {
            do
            {
                await KeepAsync(stoppingToken).ConfigureAwait(false);
                Interlocked.Increment(ref _rounds);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task KeepAsync(CancellationToken cancellationToken)
    {
        Core.Topology.ClusterTopology topology;
        try
        {
            topology = await topologyState.CurrentAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A store that cannot be read now: the monitor says so; the sessions are kept at the next check.
            logger.LogDebug("Runbook sessions not checked: {Reason}", e.Message);
            return;
        }
        foreach (var target in RunbookSessions.Kept(topology))
        {
            try
            {
                await sql.ExecuteAsync(target, RunbookSessions.CheckSql, topology.Monitor.CommandTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Whatever the failure, never the host's: a faulted background service stops the whole bot.
                logger.LogDebug("Runbook session to {Target} not open: {Reason}; tried again in {Seconds} s", target, e.Message,
                    (int)RunbookSessions.CheckEvery.TotalSeconds);
            }
        }
    }
}
