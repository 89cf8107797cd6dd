using Microsoft.Extensions.Logging;
using PgxcBot.Core.Charts;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Timeline;

namespace PgxcBot.Pictures;

/// <summary>
/// Draws the pictures messages ask for (<see cref="ChatMessage.Picture"/>) from the store: the lag samples the monitor
/// kept and the timeline of the same window for the marks. A picture is an extra: when it cannot be drawn (store
/// unreadable, renderer failure), the message goes without it and says why in one line.
/// </summary>
public sealed partial class ChatPictures(IChartRenderer renderer, ILagHistoryStore lagHistory, ITimelineStore timelines, TimeProvider time,
    ILogger<ChatPictures> logger)
{
    /// <summary>The lag picture of <paramref name="datanode"/> (every pair when null) over the <paramref name="window"/> up to now.</summary>
    /// <exception cref="Core.Operations.StoreUnavailableException">The store cannot be read.</exception>
    public async Task<ChatImage> LagAsync(string? datanode, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var from = now - window;
        var samples = await lagHistory.GetAsync(datanode, from, cancellationToken).ConfigureAwait(false);
        var sources = await timelines.ReadAsync(datanode, from, cancellationToken).ConfigureAwait(false);
        var marks = TimelineBuilder.Build(sources, datanode, from, now).Events;
        return renderer.RenderLag(new LagChart(datanode, from, now, samples, marks));
    }

    /// <summary>The timeline picture.</summary>
    public ChatImage Timeline(IncidentTimeline timeline) => renderer.RenderTimeline(timeline);

    /// <summary><paramref name="message"/> with the picture it asks for drawn into <see cref="ChatMessage.Images"/> (and the
    /// request cleared); unchanged when it asks for none.</summary>
    public async Task<ChatMessage> AttachAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Picture is not { } request) return message;
        try
        {
            var image = request.Kind == PictureKind.Lag
                ? await LagAsync(request.Datanode, request.Window, cancellationToken).ConfigureAwait(false)
                : Timeline(TimelineBuilder.Build(await timelines.ReadAsync(request.Datanode, time.GetUtcNow() - request.Window, cancellationToken).ConfigureAwait(false),
                    request.Datanode, time.GetUtcNow() - request.Window, time.GetUtcNow()));
            return message with { Picture = null, Images = [.. message.Images, image] };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogPictureFailed(logger, request.Kind.ToString(), request.Datanode ?? "every pair", e);
            return message with { Picture = null, Lines = [.. message.Lines, $"(The {request.Kind.ToString().ToLowerInvariant()} picture could not be drawn: {e.Message})"] };
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Kind} picture of {Datanode} could not be drawn; the message goes without it")]
    private static partial void LogPictureFailed(ILogger logger, string kind, string datanode, Exception exception);
}
