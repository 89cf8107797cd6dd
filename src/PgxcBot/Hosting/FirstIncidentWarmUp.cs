using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgxcBot.Store;

namespace PgxcBot.Hosting;

/// <summary>
/// Does once, in the background as a monitoring bot starts, the first-use work that the first incident would
/// otherwise pay on its way to the async switch. Traced in the monitor benchmark's first trial (2-core lab host): from
/// the commit watch's verdict to the released commit took about 330 ms against about 40 ms in later trials, the
/// difference being first use (the serializer's metadata for the alert, the timeline entry and the operation alone
/// about 100 ms). Only pure CPU work here: nothing is written, sent or connected.
/// </summary>
internal sealed class FirstIncidentWarmUp(ILogger<FirstIncidentWarmUp> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var types = StoreWarmUp.PrepareDocuments().Count;
            logger.LogDebug("Warm-up: the store's JSON for {Types} document types prepared in {Milliseconds:0} ms", types,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception e)
        {
            // A warm-up that fails costs the first incident some milliseconds, nothing else: never stop the host for it.
            logger.LogWarning(e, "Warm-up of the store's JSON failed; the first incident will prepare it itself");
        }
    }, stoppingToken);
}
