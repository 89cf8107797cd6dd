using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Timeline;

namespace PgxcBot.Core.Charts;

/// <summary>Which picture a message asks for.</summary>
public enum PictureKind
{
    /// <summary>Replication lag (bytes and seconds) per pair over the last hour, incidents and operations marked.</summary>
    Lag,
    /// <summary>The incident timeline: steps, commits-blocked windows and incidents as bars, instants as marks.</summary>
    Timeline,
}

/// <summary>A picture a message should carry (the domain asks; the host draws it when the message is sent, so the
/// monitor never waits for drawing). <paramref name="Datanode"/> null: every pair.</summary>
public sealed record PictureRequest(PictureKind Kind, string? Datanode, TimeSpan Window);

/// <summary>A drawn picture: PNG bytes of <paramref name="Width"/> × <paramref name="Height"/> pixels.</summary>
/// <param name="FileName">The attachment's name ("lag-datanode1-20261130-1502.png").</param>
/// <param name="Description">What it shows, in words (Discord's attachment description, the console's line).</param>
public sealed record ChatImage(string FileName, byte[] Png, int Width, int Height, string Description);

/// <summary>The data of a lag picture: the samples of the window and what to mark on it.</summary>
/// <param name="Marks">Timeline events of the window: incidents, requests, approvals, steps, commits-blocked windows.</param>
public sealed record LagChart(string? Datanode, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<LagSample> Samples, IReadOnlyList<TimelineEvent> Marks);

/// <summary>Draws the pictures (one adapter: ScottPlot). Pure apart from the drawing: no store, no network.</summary>
public interface IChartRenderer
{
    /// <summary>PNG of <see cref="PictureSize.Width"/> × <see cref="PictureSize.Height"/>.</summary>
    ChatImage RenderLag(LagChart chart);

    /// <summary>PNG of <see cref="PictureSize.Width"/> × <see cref="PictureSize.Height"/>; an empty timeline still gives a
    /// picture that says so.</summary>
    ChatImage RenderTimeline(IncidentTimeline timeline);
}

/// <summary>The size of every picture: wide enough for an hour at one pixel per 4 s, and a phone still reads it.</summary>
public static class PictureSize
{
    public const int Width = 1000;
    public const int Height = 560;
}
