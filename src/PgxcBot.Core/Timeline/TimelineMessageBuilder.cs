using System.Globalization;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;

namespace PgxcBot.Core.Timeline;

/// <summary>Renders an <see cref="IncidentTimeline"/> as a chat-neutral message: one line per event with its time, the
/// time since the previous event and since the first, and for a step or window how long it lasted.</summary>
public static class TimelineMessageBuilder
{
    /// <summary>The message; <paramref name="window"/> is how the reader asked for it ("2 h").</summary>
    public static ChatMessage Build(IncidentTimeline timeline, string window)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var scope = timeline.Datanode ?? "the cluster";
        var title = $"Timeline of {scope} (last {window})";
        if (timeline.Events.Count == 0)
            return ChatMessage.Simple(title, Severity.Info, $"Nothing recorded for {scope} since {Time(timeline.From)}.",
                "Next: a longer window (--since 24h), or /pgxc history for older operations.");

        var blocked = timeline.CommitsBlocked.ToArray();
        var severity = timeline.Events.Any(e => e.Kind is TimelineEventKind.DataLossAccepted or TimelineEventKind.Failed) || blocked.Any(b => b.EndedAt is null)
            ? Severity.Warning : Severity.Info;
        var first = timeline.Events[0].At;
        var last = timeline.Events.Max(e => e.EndedAt ?? e.At);
        var fields = new List<MessageField>
        {
            new("From", Time(first), Inline: true),
            new("To", Time(last), Inline: true),
            new("Span", Humanize.Duration(last - first), Inline: true),
            new("Events", timeline.Events.Count.ToString(CultureInfo.InvariantCulture), Inline: true),
            new("Commits blocked", blocked.Length == 0 ? "never" :
                $"{Humanize.Duration(timeline.CommitsBlockedTotal)} in {blocked.Length} window(s)", Inline: true),
        };
        var lines = new List<string> { $"Times UTC; +previous event, T+ since {Time(first)}." };
        lines.AddRange(Lines(timeline));
        return new ChatMessage(title, severity, fields, lines, [], [])
        {
            AttachmentName = $"timeline-{timeline.Datanode ?? "cluster"}-{first.UtcDateTime:yyyyMMdd-HHmmss}.txt",
        };
    }

    /// <summary>One line per event: "12:00:03.5 +1.5 s T+3.5 s datanode1 approved by bob: ...".</summary>
    public static IEnumerable<string> Lines(IncidentTimeline timeline)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        if (timeline.Events.Count == 0) yield break;
        var first = timeline.Events[0].At;
        var previous = first;
        foreach (var e in timeline.Events)
        {
            var since = e.At - previous;
            previous = e.At;
            var by = e.By is null ? "" : $" by {e.By}";
            var lasted = e.IsSpan ? $" [{(e.EndedAt is { } end ? "took " + Humanize.Duration(end - e.At) : "still going at " + Clock(timeline.To))}]" : "";
            var result = e.Result is null ? "" : $" -> {e.Result}";
            yield return $"{Clock(e.At)} +{Humanize.Duration(since)} T+{Humanize.Duration(e.At - first)}  {e.Subject}  {Word(e.Kind)}{by}: {e.Text}{lasted}{result}";
        }
    }

    /// <summary>The kind in words ("incident raised", "commits blocked").</summary>
    public static string Word(TimelineEventKind kind) => kind switch
    {
        TimelineEventKind.IncidentRaised => "incident raised",
        TimelineEventKind.IncidentReminded => "incident reminded",
        TimelineEventKind.IncidentReopened => "incident reopened",
        TimelineEventKind.IncidentCleared => "incident cleared",
        TimelineEventKind.DataLossAccepted => "DATA LOSS accepted",
        TimelineEventKind.CommitsBlocked => "commits blocked",
        TimelineEventKind.Transition => "state",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static string Clock(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss.f", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
