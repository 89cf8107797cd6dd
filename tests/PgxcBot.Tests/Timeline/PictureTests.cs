using PgxcBot.Charts;
using PgxcBot.Core.Charts;
using PgxcBot.Core.Timeline;
using SkiaSharp;
using static PgxcBot.Tests.Timeline.ScriptedIncident;

namespace PgxcBot.Tests.Timeline;

/// <summary>The pictures are PNGs of the declared size, and their pixels show the lag line and the marks: each is
/// counted by its colour, and the same picture without the data has none of it.</summary>
public sealed class PictureTests
{
    private static readonly ScottPlotChartRenderer Renderer = new();

    /// <summary>One hour of datanode1's lag: 0 until 10 min, climbing to 8 MB / 40 s at 30 min, back to 0 at 35 min.</summary>
    private static LagSample[] Samples(string datanode = "datanode1") => Enumerable.Range(0, 720).Select(i =>
    {
        var minute = i * 5 / 60.0;
        var bytes = minute is < 10 or > 35 ? 0 : minute <= 30 ? (long)((minute - 10) / 20 * 8_000_000) : 0;
        return new LagSample(datanode, T0.AddSeconds(i * 5), bytes, bytes / 200_000.0);
    }).ToArray();

    private static TimelineEvent[] Marks() =>
    [
        new(T0.AddMinutes(30), "datanode1", TimelineEventKind.CommitsBlocked, "blocked", EndedAt: T0.AddMinutes(33)),
        new(T0.AddMinutes(30.5), "datanode1", TimelineEventKind.IncidentRaised, "slave-lost", IncidentKey: "datanode1/slave-lost"),
        new(T0.AddMinutes(34), "datanode1", TimelineEventKind.Approved, "approved"),
        new(T0.AddMinutes(45), "datanode1", TimelineEventKind.IncidentCleared, "slave-lost", IncidentKey: "datanode1/slave-lost"),
    ];

    private static (SKBitmap Bitmap, ChatImage Image) Decode(ChatImage image)
    {
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, image.Png[..4]);
        var bitmap = SKBitmap.Decode(image.Png);
        Assert.NotNull(bitmap);
        Assert.Equal((PictureSize.Width, PictureSize.Height), (bitmap.Width, bitmap.Height));
        Assert.Equal((PictureSize.Width, PictureSize.Height), (image.Width, image.Height));
        return (bitmap, image);
    }

    /// <summary>Pixels within 40 of <paramref name="color"/> on each channel, and the columns they span.</summary>
    private static (int Count, int MinX, int MaxX) Count(SKBitmap bitmap, ScottPlot.Color color, int tolerance = 40)
    {
        int count = 0, minX = int.MaxValue, maxX = -1;
        for (var y = 0; y < bitmap.Height; y++)
            for (var x = 0; x < bitmap.Width; x++)
            {
                var p = bitmap.GetPixel(x, y);
                if (Math.Abs(p.Red - color.R) <= tolerance && Math.Abs(p.Green - color.G) <= tolerance && Math.Abs(p.Blue - color.B) <= tolerance)
                {
                    count++;
                    minX = Math.Min(minX, x);
                    maxX = Math.Max(maxX, x);
                }
            }
        return (count, minX, maxX);
    }

    /// <summary>A colour at <paramref name="alpha"/> over white, as a shaded span is drawn.</summary>
    private static ScottPlot.Color OverWhite(ScottPlot.Color c, double alpha) =>
        new((byte)(255 - (255 - c.R) * alpha), (byte)(255 - (255 - c.G) * alpha), (byte)(255 - (255 - c.B) * alpha));

    [Fact]
    public void The_lag_picture_shows_the_lag_line_across_the_hour_and_each_mark_and_nothing_of_them_without_data()
    {
        var (picture, image) = Decode(Renderer.RenderLag(new LagChart("datanode1", T0, T0.AddHours(1), Samples(), Marks())));
        var (empty, _) = Decode(Renderer.RenderLag(new LagChart("datanode1", T0, T0.AddHours(1), [], [])));

        var line = Count(picture, ScottPlotChartRenderer.Pairs[0], 30);
        Assert.True(line.Count > 2000, $"lag line pixels: {line.Count}");
        Assert.True(line.MaxX - line.MinX > PictureSize.Width * 0.6, $"the line spans x {line.MinX}..{line.MaxX}");
        Assert.Equal(0, Count(empty, ScottPlotChartRenderer.Pairs[0], 30).Count);

        var blocked = Count(picture, OverWhite(ScottPlotChartRenderer.Blocked, 0.35), 12);
        Assert.True(blocked.Count > 3000, $"commits-blocked span pixels: {blocked.Count}");
        Assert.True(Count(picture, ScottPlotChartRenderer.Raised, 30).Count > 300, "the raise mark");
        Assert.True(Count(picture, ScottPlotChartRenderer.Cleared, 30).Count > 300, "the clear mark");
        Assert.True(Count(picture, ScottPlotChartRenderer.Operation, 30).Count > 150, "the approval mark");
        Assert.Equal(0, Count(empty, ScottPlotChartRenderer.Raised, 30).Count);
        Assert.Equal(0, Count(empty, OverWhite(ScottPlotChartRenderer.Blocked, 0.35), 12).Count);
        Assert.StartsWith("lag-datanode1-", image.FileName);
        Assert.EndsWith(".png", image.FileName);
    }

    [Fact]
    public void The_lag_line_is_high_where_the_lag_was_high()
    {
        var (picture, _) = Decode(Renderer.RenderLag(new LagChart("datanode1", T0, T0.AddHours(1), Samples(), [])));
        // The topmost line pixel is in the columns of minutes 24-36 (the peak at 30 min), not at the flat start. The legend
        // (upper left, with a sample of the line) is left out.
        var color = ScottPlotChartRenderer.Pairs[0];
        bool Legend(int x, int y) => x < picture.Width * 0.3 && y < picture.Height * 0.3;
        var top = Enumerable.Range(0, picture.Height).SelectMany(y => Enumerable.Range(0, picture.Width).Select(x => (x, y)))
            .First(p => { var c = picture.GetPixel(p.x, p.y); return Math.Abs(c.Red - color.R) <= 30 && Math.Abs(c.Green - color.G) <= 30 && Math.Abs(c.Blue - color.B) <= 30 && !Legend(p.x, p.y); });
        var line = Count(picture, color, 30);
        var peakShare = (top.x - line.MinX) / (double)(line.MaxX - line.MinX);
        Assert.InRange(peakShare, 0.40, 0.60);
    }

    [Fact]
    public async Task The_timeline_picture_draws_the_steps_and_the_blocked_window_as_bars()
    {
        var dir = Directory.CreateTempSubdirectory("pgxcbot-picture-").FullName;
        try
        {
            var store = await SqliteStore.OpenAsync(Path.Combine(dir, "state.db"), null, default);
            await WriteAsync(store);
            var timeline = TimelineBuilder.Build(await new SqliteTimelineStore(store).ReadAsync("datanode1", T0, default), "datanode1", T0, At(2000));

            var bars = TimelineBars.From(timeline);
            Assert.Equal(6, bars.Count(b => b.Kind == TimelineBarKind.Step));
            Assert.Equal(TimeSpan.FromSeconds(2.5), bars.Single(b => b.Kind == TimelineBarKind.CommitsBlocked) is var w ? w.End - w.Start : default);
            Assert.Equal(2, bars.Count(b => b.Kind == TimelineBarKind.Incident));

            var (picture, _) = Decode(Renderer.RenderTimeline(timeline));
            var (empty, _) = Decode(Renderer.RenderTimeline(timeline with { Events = [] }));
            Assert.True(Count(picture, ScottPlotChartRenderer.Operation, 20).Count > 500, "step bars");
            Assert.True(Count(picture, ScottPlotChartRenderer.Raised, 20).Count > 500, "incident bars");
            Assert.Equal(0, Count(empty, ScottPlotChartRenderer.Operation, 20).Count);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
