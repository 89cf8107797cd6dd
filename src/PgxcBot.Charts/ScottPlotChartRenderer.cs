using System.Globalization;
using PgxcBot.Core.Charts;
using PgxcBot.Core.Timeline;
using ScottPlot;

namespace PgxcBot.Charts;

/// <summary>
/// Draws the pictures with ScottPlot 5 (SkiaSharp underneath, headless: no display, no OS font package). Lag: one line
/// per pair, bytes on the left axis (solid) and seconds on the right (dashed); commits-blocked windows shaded orange,
/// incidents raised red and cleared green, operation requests, approvals and ends blue, as vertical lines. Timeline: one
/// row per step, window or incident as a bar from start to end, instants as short ticks on the events row.
/// </summary>
public sealed class ScottPlotChartRenderer : IChartRenderer
{
    /// <summary>The mark colours, public so that tests can find them in the pixels.</summary>
    public static readonly Color Blocked = Color.FromHex("#FF9800");
    public static readonly Color Raised = Color.FromHex("#E53935");
    public static readonly Color Cleared = Color.FromHex("#43A047");
    public static readonly Color Operation = Color.FromHex("#1E88E5");
    public static readonly Color Failed = Color.FromHex("#8E24AA");

    /// <summary>Line colours of the pairs, in order.</summary>
    public static readonly Color[] Pairs = [Color.FromHex("#00897B"), Color.FromHex("#6D4C41"), Color.FromHex("#3949AB"), Color.FromHex("#212121")];

    /// <inheritdoc />
    public ChatImage RenderLag(LagChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var plot = new Plot();
        plot.Axes.DateTimeTicksBottom();
        var scope = chart.Datanode ?? "every pair";
        plot.Title($"Replication lag of {scope}, {Clock(chart.From)} - {Clock(chart.To)} UTC");
        plot.Axes.Left.Label.Text = "bytes behind (solid)";
        plot.Axes.Right.Label.Text = "seconds behind (dashed)";
        plot.Axes.Bottom.Label.Text = "UTC";

        foreach (var mark in chart.Marks)
        {
            switch (mark.Kind)
            {
                case TimelineEventKind.CommitsBlocked:
                    var span = plot.Add.HorizontalSpan(X(mark.At), X(mark.EndedAt ?? chart.To), Blocked.WithAlpha(0.35));
                    span.LineStyle.Width = 0;
                    break;
                case TimelineEventKind.IncidentRaised or TimelineEventKind.IncidentReopened:
                    plot.Add.VerticalLine(X(mark.At), 2, Raised);
                    break;
                case TimelineEventKind.IncidentCleared:
                    plot.Add.VerticalLine(X(mark.At), 2, Cleared);
                    break;
                case TimelineEventKind.Requested or TimelineEventKind.Approved or TimelineEventKind.Succeeded:
                    plot.Add.VerticalLine(X(mark.At), 2, Operation, LinePattern.Dotted);
                    break;
                case TimelineEventKind.Failed or TimelineEventKind.Refused:
                    plot.Add.VerticalLine(X(mark.At), 2, Failed, LinePattern.Dotted);
                    break;
            }
        }

        var i = 0;
        foreach (var pair in chart.Samples.GroupBy(s => s.Datanode, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var color = Pairs[i++ % Pairs.Length];
            var bytes = pair.Where(s => s.Bytes is not null).ToArray();
            if (bytes.Length > 0)
            {
                var line = plot.Add.ScatterLine(bytes.Select(s => X(s.At)).ToArray(), bytes.Select(s => (double)s.Bytes!.Value).ToArray(), color);
                line.LineWidth = 3;
                line.LegendText = $"{pair.Key} bytes";
            }
            var seconds = pair.Where(s => s.Seconds is not null).ToArray();
            if (seconds.Length > 0)
            {
                var line = plot.Add.ScatterLine(seconds.Select(s => X(s.At)).ToArray(), seconds.Select(s => s.Seconds!.Value).ToArray(), color);
                line.LineWidth = 2;
                line.LinePattern = LinePattern.Dashed;
                line.Axes.YAxis = plot.Axes.Right;
                line.LegendText = $"{pair.Key} seconds";
            }
        }
        if (chart.Samples.Count == 0)
            plot.Add.Annotation("No lag samples in this hour yet: the monitor keeps one every 5 s.");
        plot.Axes.SetLimitsX(X(chart.From), X(chart.To));
        // A little room below zero: a pair with no lag is a line one can see, not one hidden by the axis.
        var bytesTop = Math.Max(1, chart.Samples.Select(s => (double)(s.Bytes ?? 0)).DefaultIfEmpty(0).Max() * 1.1);
        var secondsTop = Math.Max(1, chart.Samples.Select(s => s.Seconds ?? 0).DefaultIfEmpty(0).Max() * 1.1);
        plot.Axes.SetLimitsY(-bytesTop * 0.03, bytesTop, plot.Axes.Left);
        plot.Axes.SetLimitsY(-secondsTop * 0.03, secondsTop, plot.Axes.Right);
        plot.ShowLegend(Alignment.UpperLeft);
        var name = $"lag-{chart.Datanode ?? "cluster"}-{chart.To.UtcDateTime:yyyyMMdd-HHmmss}.png";
        return Image(plot, name, $"Replication lag of {scope} (bytes and seconds) from {Clock(chart.From)} to {Clock(chart.To)} UTC, incidents and operations marked");
    }

    /// <inheritdoc />
    public ChatImage RenderTimeline(IncidentTimeline timeline)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var plot = new Plot();
        plot.Axes.DateTimeTicksBottom();
        var scope = timeline.Datanode ?? "the cluster";
        plot.Title($"Timeline of {scope}");
        plot.Axes.Bottom.Label.Text = "UTC";
        var bars = TimelineBars.From(timeline);
        var labels = new List<(double Position, string Label)>();
        var row = 0;
        foreach (var bar in bars)
        {
            var y = -row;
            var rectangle = plot.Add.Rectangle(X(bar.Start), X(bar.End), y - 0.35, y + 0.35);
            rectangle.FillStyle.Color = bar.Kind switch
            {
                TimelineBarKind.CommitsBlocked => Blocked,
                TimelineBarKind.Incident => Raised,
                TimelineBarKind.FailedStep => Failed,
                _ => Operation,
            };
            rectangle.LineStyle.Width = 0;
            labels.Add((y, Fit(bar.Label, 38)));
            row++;
        }
        // The instants (requests, approvals, refusals, state changes) on one last row.
        var instants = timeline.Events.Where(e => !e.IsSpan).ToArray();
        if (instants.Length > 0)
        {
            var y = -row;
            foreach (var e in instants)
            {
                var color = e.Kind switch
                {
                    TimelineEventKind.IncidentRaised or TimelineEventKind.IncidentReopened => Raised,
                    TimelineEventKind.IncidentCleared or TimelineEventKind.Succeeded => Cleared,
                    TimelineEventKind.Refused or TimelineEventKind.Failed or TimelineEventKind.DataLossAccepted => Failed,
                    _ => Operation,
                };
                var tick = plot.Add.Line(X(e.At), y - 0.4, X(e.At), y + 0.4);
                tick.LineColor = color;
                tick.LineWidth = 3;
            }
            labels.Add((y, "events (requests, approvals, pages)"));
            row++;
        }
        if (row == 0) plot.Add.Annotation($"Nothing recorded for {scope} since {Clock(timeline.From)} UTC.");
        var from = timeline.Events.Count == 0 ? timeline.From : timeline.Events.Min(e => e.At);
        var to = timeline.Events.Count == 0 ? timeline.To : timeline.Events.Max(e => e.EndedAt ?? (e.IsSpan ? timeline.To : e.At));
        var pad = Math.Max((to - from).TotalSeconds * 0.03, 1);
        plot.Axes.SetLimitsX(X(from.AddSeconds(-pad)), X(to.AddSeconds(pad)));
        plot.Axes.SetLimitsY(-Math.Max(row, 1) + 0.5, 0.5);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(labels.Select(l => l.Position).ToArray(), labels.Select(l => l.Label).ToArray());
        var name = $"timeline-{timeline.Datanode ?? "cluster"}-{from.UtcDateTime:yyyyMMdd-HHmmss}.png";
        return Image(plot, name, $"Timeline of {scope}: {bars.Count} bar(s) (steps, commits blocked, incidents) and {instants.Length} event(s), from {Clock(from)} to {Clock(to)} UTC");
    }

    private static ChatImage Image(Plot plot, string name, string description) =>
        new(name, plot.GetImageBytes(PictureSize.Width, PictureSize.Height, ImageFormat.Png), PictureSize.Width, PictureSize.Height, description);

    private static double X(DateTimeOffset at) => at.UtcDateTime.ToOADate();

    private static string Clock(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Fit(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
