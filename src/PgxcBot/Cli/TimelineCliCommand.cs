using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Chat;
using PgxcBot.Core.Commands;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Timeline;

namespace PgxcBot.Cli;

/// <summary><c>pgxcbot timeline [DATANODE] [--since 2h] [--json] [--png FILE]</c>: the incident timeline from the store, as
/// text or as one JSON document; --png also writes the timeline picture (its path printed; on stderr with --json).</summary>
internal static class TimelineCliCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, CliArguments arguments, CliIo io, CancellationToken cancellationToken)
    {
        // The chat parser checks the datanode and the window, with the same errors as /pgxc timeline.
        var line = $"{CommandCatalogue.Prefix} timeline{(arguments.Line is { } d ? " " + d : "")}{(arguments.Since is { } s ? " --since " + s : "")}";
        var parsed = services.GetRequiredService<ChatCommandHandler>().Parser.Parse(line);
        if (parsed.Command is not TimelineCommand command)
        {
            await io.Error.WriteLineAsync($"error: {parsed.Error}");
            return ExitCodes.BadConfig;
        }
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var sources = await services.GetRequiredService<ITimelineStore>().ReadAsync(command.Datanode, now - command.Since, cancellationToken);
        var timeline = TimelineBuilder.Build(sources, command.Datanode, now - command.Since, now);
        if (arguments.Json)
            await io.Out.WriteLineAsync(JsonSerializer.Serialize(TimelineDocument.Of(timeline), TimelineJsonContext.Default.TimelineDocument));
        else
            await io.Out.WriteAsync(PlainTextRenderer.Render(TimelineMessageBuilder.Build(timeline, command.SinceText)));
        if (arguments.Png is { } file)
        {
            var image = services.GetRequiredService<Pictures.ChatPictures>().Timeline(timeline);
            var written = await Pictures.PictureFiles.SaveFirstAsync(ChatMessage.Simple("timeline", Core.Assessment.Severity.Info) with { Images = [image] }, file, cancellationToken);
            await (arguments.Json ? io.Error : io.Out).WriteLineAsync(written);
        }
        return ExitCodes.Ok;
    }
}

/// <summary>The JSON of <c>pgxcbot timeline --json</c>: times in UTC (ISO 8601), durations in seconds.</summary>
internal sealed record TimelineDocument(string? Datanode, DateTimeOffset From, DateTimeOffset To, double CommitsBlockedSeconds, IReadOnlyList<TimelineDocument.Event> Events)
{
    /// <param name="SincePreviousSeconds">Seconds since the previous event (0 for the first).</param>
    /// <param name="DurationSeconds">A step's or window's length; null for an instant or one still going.</param>
    internal sealed record Event(DateTimeOffset At, string Subject, TimelineEventKind Kind, string Text, string? By, DateTimeOffset? EndedAt,
        double? DurationSeconds, double SincePreviousSeconds, string? Result, long? OperationId, string? IncidentKey);

    public static TimelineDocument Of(IncidentTimeline timeline)
    {
        var events = new List<Event>();
        DateTimeOffset? previous = null;
        foreach (var e in timeline.Events)
        {
            events.Add(new Event(e.At, e.Subject, e.Kind, e.Text, e.By, e.EndedAt, e.Duration?.TotalSeconds, previous is { } p ? (e.At - p).TotalSeconds : 0,
                e.Result, e.OperationId, e.IncidentKey));
            previous = e.At;
        }
        return new TimelineDocument(timeline.Datanode, timeline.From, timeline.To, timeline.CommitsBlockedTotal.TotalSeconds, events);
    }
}
