using PgxcBot.Core.Timeline;

namespace PgxcBot.Core.Charts;

/// <summary>What a bar of the timeline picture stands for (its colour).</summary>
public enum TimelineBarKind { Step, FailedStep, CommitsBlocked, Incident }

/// <summary>One bar of the timeline picture: a label and a start and end (UTC).</summary>
public sealed record TimelineBar(string Label, DateTimeOffset Start, DateTimeOffset End, TimelineBarKind Kind);

/// <summary>The bars of a timeline picture (pure): each step, each commits-blocked window, and each incident from raised
/// to cleared (or to the timeline's end while it lasts), in order of start.</summary>
public static class TimelineBars
{
    public static IReadOnlyList<TimelineBar> From(IncidentTimeline timeline)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var bars = new List<TimelineBar>();
        foreach (var e in timeline.Events)
        {
            switch (e.Kind)
            {
                case TimelineEventKind.Step:
                    var failed = e.Result?.StartsWith("failed", StringComparison.Ordinal) == true;
                    bars.Add(new TimelineBar(StepLabel(e), e.At, e.EndedAt ?? timeline.To, failed ? TimelineBarKind.FailedStep : TimelineBarKind.Step));
                    break;
                case TimelineEventKind.CommitsBlocked:
                    bars.Add(new TimelineBar($"{e.Subject} commits blocked", e.At, e.EndedAt ?? timeline.To, TimelineBarKind.CommitsBlocked));
                    break;
                case TimelineEventKind.IncidentRaised when e.IncidentKey is { } key:
                    var cleared = timeline.Events.FirstOrDefault(c => c.Kind == TimelineEventKind.IncidentCleared && c.IncidentKey == key && c.At >= e.At);
                    bars.Add(new TimelineBar($"incident {key}", e.At, cleared?.At ?? timeline.To, TimelineBarKind.Incident));
                    break;
            }
        }
        return bars.OrderBy(b => b.Start).ToArray();
    }

    // "#3 promote datanode1 step 2: Promote the slave" -> "#3 2. Promote the slave"
    private static string StepLabel(TimelineEvent e)
    {
        var colon = e.Text.IndexOf(": ", StringComparison.Ordinal);
        var step = e.Text.IndexOf(" step ", StringComparison.Ordinal);
        return colon > 0 && step > 0 ? $"#{e.OperationId} {e.Text[(step + 6)..colon]}. {e.Text[(colon + 2)..]}" : e.Text;
    }
}
