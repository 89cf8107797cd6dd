using PgxcBot.Core.Timeline;
using PgxcBot.IntegrationTests.Flavors;

namespace PgxcBot.IntegrationTests.Timeline;

/// <summary>
/// Issue 17's scripted incident on real PostgreSQL 15 pairs with the monitor as the host wires it: the sync slave
/// killed (the monitor switches to async, then pages), the slave back (sync again), the master killed and paged, a
/// promote requested by alice and approved by bob, the old master rebuilt. The timeline the store gives afterwards lists every one of
/// these in order, and each step's duration is the one the operation recorded.
/// </summary>
public sealed class TimelineScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_timeline_of_a_scripted_incident_lists_every_event_in_order_with_the_recorded_durations()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        await using var lab = await FlavorLab.StartAsync(Flavor.PostgreSql, ct, monitor: true);
        var pair = lab.Cluster.Pair("datanode1");
        var from = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1);
        await lab.UntilAsync("datanode1", p => p.Condition == ObservedCondition.Sync, "datanode1 in sync", ct);

        await pair.Slave.KillAsync(ct);
        await lab.Notifications.WaitForAsync(n => n.IncidentKey == "datanode1/slave-lost" && n.Message.Title.Contains("switched to async", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "the switch to async", ct);
        await pair.Slave.StartAsync(ct);
        await lab.Notifications.WaitForAsync(n => n.Message.Title == "datanode1: back in sync", TimeSpan.FromSeconds(90), "sync again", ct);

        await pair.Master.KillAsync(ct);
        // As on call would: the page first, then the promote.
        await lab.Notifications.WaitForAsync(n => n.IncidentKey == "datanode1/master-lost" && n.Kind == Core.Messages.NotificationKind.Raised,
            TimeSpan.FromSeconds(60), "the master-lost page", ct);
        var lost = await lab.UntilAsync("datanode1", p => p.Condition == ObservedCondition.MasterLost, "the master seen lost", ct);
        var promote = await lab.RunAsync("promote", "datanode1", ct, lost.Promote?.Safe == true ? [] : [OperationService.AcceptDataLoss]);
        Assert.True(promote.State == OperationState.Succeeded, FlavorLab.Explain(promote));
        var rebuild = await lab.RunAsync("rebuild", "datanode1", ct);
        Assert.True(rebuild.State == OperationState.Succeeded, FlavorLab.Explain(rebuild));

        var now = DateTimeOffset.UtcNow;
        var timeline = TimelineBuilder.Build(await lab.Timelines.ReadAsync("datanode1", from, ct), "datanode1", from, now);
        foreach (var line in TimelineMessageBuilder.Lines(timeline)) output.WriteLine(line);
        var events = timeline.Events;

        // In time order, and the story in the order it happened.
        Assert.Equal(events.Select(e => e.At).Order(), events.Select(e => e.At));
        var story = new (string What, Func<TimelineEvent, bool> Is)[]
        {
            // The monitor releases the commits first, then pages that it did ("switched to async").
            ("the bot's async switch requested", e => e.Kind == TimelineEventKind.Requested && e.Text.Contains("async", StringComparison.OrdinalIgnoreCase)),
            ("the async switch done", e => e.Kind == TimelineEventKind.Succeeded),
            ("the slave-lost page", e => e.Kind == TimelineEventKind.IncidentRaised && e.IncidentKey == "datanode1/slave-lost"),
            ("the slave-lost page cleared", e => e.Kind == TimelineEventKind.IncidentCleared && e.IncidentKey == "datanode1/slave-lost"),
            ("the master-lost page", e => e.Kind == TimelineEventKind.IncidentRaised && e.IncidentKey == "datanode1/master-lost"),
            ("alice's promote request", e => e.Kind == TimelineEventKind.Requested && e.OperationId == promote.Id && e.By == "alice"),
            ("bob's approval", e => e.Kind == TimelineEventKind.Approved && e.OperationId == promote.Id && e.By == "bob"),
            ("the promote done", e => e.Kind == TimelineEventKind.Succeeded && e.OperationId == promote.Id),
            ("the rebuild requested", e => e.Kind == TimelineEventKind.Requested && e.OperationId == rebuild.Id),
            ("the rebuild done", e => e.Kind == TimelineEventKind.Succeeded && e.OperationId == rebuild.Id),
        };
        var at = -1;
        foreach (var (what, matches) in story)
        {
            var next = events.Select((e, i) => (e, i)).FirstOrDefault(x => x.i > at && matches(x.e), (null!, -1)).Item2;
            Assert.True(next > at, $"{what} is missing after event {at} of the timeline (see the output)");
            at = next;
        }
        // The commits-blocked window the slave's death opened was closed by the async switch.
        var blocked = Assert.Single(timeline.CommitsBlocked);
        Assert.NotNull(blocked.EndedAt);

        // Every step that ran is there once, with the duration its operation recorded.
        foreach (var operation in new[] { promote, rebuild })
        foreach (var step in operation.Steps.Where(s => s.StartedAt is not null && s.EndedAt is not null))
        {
            var shown = Assert.Single(events, e => e.Kind == TimelineEventKind.Step && e.OperationId == operation.Id && e.At == step.StartedAt);
            Assert.Equal(step.EndedAt!.Value - step.StartedAt!.Value, shown.Duration);
        }
    }
}
