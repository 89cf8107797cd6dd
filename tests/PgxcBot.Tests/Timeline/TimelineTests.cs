using PgxcBot.Core.Timeline;
using static PgxcBot.Core.Timeline.TimelineEventKind;
using static PgxcBot.Tests.Timeline.ScriptedIncident;

namespace PgxcBot.Tests.Timeline;

public sealed class TimelineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-timeline-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<IncidentTimeline> BuildAsync(string? datanode, DateTimeOffset since, DateTimeOffset now)
    {
        var store = await SqliteStore.OpenAsync(Path.Combine(_dir, "state.db"), null, default);
        if (!File.Exists(Path.Combine(_dir, "written"))) { await WriteAsync(store); await File.WriteAllTextAsync(Path.Combine(_dir, "written"), ""); }
        var sources = await new SqliteTimelineStore(store).ReadAsync(datanode, since, default);
        return TimelineBuilder.Build(sources, datanode, since, now);
    }

    [Fact]
    public async Task The_scripted_incident_lists_every_event_in_order_from_the_store()
    {
        var timeline = await BuildAsync("datanode1", T0.AddMinutes(-1), At(2000));

        Assert.Equal(new[]
        {
            (At(0), Transition),            // slave killed
            (At(0), CommitsBlocked),        // from the transition into DegradedSlaveLost ...
            (At(1), IncidentRaised),        // slave-lost paged
            (At(2), Requested),             // the monitor's async switch
            (At(2), Started),
            (At(2), Step),
            (At(2.5), Succeeded),
            (At(2.5), Transition),          // ... to the transition out of it
            (At(301), IncidentReminded),
            (At(600), Transition),          // master killed
            (At(601), IncidentRaised),      // master-lost paged
            (At(630), Requested),           // alice: promote --accept-data-loss
            (At(630), DataLossAccepted),
            (At(640), Refused),             // alice approving her own request
            (At(690), Approved),            // bob
            (At(690), Started),
            (At(690), Step), (At(692), Step), (At(697), Step),
            (At(699), Succeeded),
            (At(699), Transition),          // promoted
            (At(701), IncidentCleared),     // master-lost
            (At(1200), Requested),          // rebuild
            (At(1260), Approved),
            (At(1260), Started),
            (At(1260), Step), (At(1380), Step),
            (At(1385), Succeeded),
            (At(1385), Transition),         // in sync again
            (At(1386), IncidentCleared),    // slave-lost
        }, timeline.Events.Select(e => (e.At, e.Kind)).ToArray());
        Assert.All(timeline.Events, e => Assert.Equal("datanode1", e.Subject));
    }

    [Fact]
    public async Task Durations_of_steps_windows_and_approvals_are_right_and_who_did_what_is_named()
    {
        var timeline = await BuildAsync("datanode1", T0.AddMinutes(-1), At(2000));

        var blocked = Assert.Single(timeline.CommitsBlocked);
        Assert.Equal(TimeSpan.FromSeconds(2.5), blocked.Duration);
        Assert.Equal(TimeSpan.FromSeconds(2.5), timeline.CommitsBlockedTotal);
        var steps = timeline.Events.Where(e => e.Kind == Step).ToArray();
        Assert.Equal(new double[] { 0.5, 2, 5, 2, 120, 5 }, steps.Select(s => s.Duration!.Value.TotalSeconds).ToArray());
        Assert.All(steps, s => Assert.StartsWith("ok", s.Result));

        var approvals = timeline.Events.Where(e => e.Kind == Approved).ToArray();
        Assert.All(approvals, a => Assert.Equal("bob", a.By));
        Assert.Contains("1 min 0 s after the request", approvals[0].Text);
        Assert.Contains("ran 9 s", timeline.Events.Single(e => e.Kind == Succeeded && e.OperationId == 2).Text);
        Assert.Equal("alice", timeline.Events.Single(e => e.Kind == Refused).By);
        Assert.Contains("another person must approve", timeline.Events.Single(e => e.Kind == Refused).Text);
        Assert.Contains("DATA LOSS: up to 2 MB", timeline.Events.Single(e => e.Kind == DataLossAccepted).Text);
        Assert.Equal("pgxcbot", timeline.Events.First(e => e.Kind == Requested).By);
    }

    [Fact]
    public async Task The_message_shows_each_event_with_the_time_since_the_previous_one_and_the_blocked_total()
    {
        var timeline = await BuildAsync("datanode1", T0.AddMinutes(-1), At(2000));

        var message = TimelineMessageBuilder.Build(timeline, "2h");
        var text = PlainTextRenderer.Render(message);

        Assert.Equal("2.5 s in 1 window(s)", message.Fields.Single(f => f.Name == "Commits blocked").Value);
        Assert.Equal("23 min 6 s", message.Fields.Single(f => f.Name == "Span").Value);
        Assert.Contains("03:00:00.0 +0 s T+0 s  datanode1  commits blocked: a commit on the master waits for the lost synchronous slave [took 2.5 s] -> released by #1 async", text);
        Assert.Contains("03:11:30.0 +50 s T+11 min 30 s  datanode1  approved by bob: #2 promote datanode1 approved (1 min 0 s after the request)", text);
        Assert.Contains("03:11:32.0 +2 s T+11 min 32 s  datanode1  step: #2 promote datanode1 step 2: Promote the slave [took 5 s] -> ok: verified", text);
        Assert.Contains("03:05:01.0 +4 min 58 s T+5 min 1 s  datanode1  incident reminded: slave-lost [Critical] datanode1: slave lost", text);
        // Lines are in the order of the events.
        var lines = message.Lines.Skip(1).ToArray();
        Assert.Equal(timeline.Events.Count, lines.Length);
    }

    [Fact]
    public async Task The_window_and_the_datanode_filter_what_is_shown_but_keep_a_window_that_began_earlier()
    {
        var other = await BuildAsync("datanode2", T0.AddMinutes(-1), At(2000));
        Assert.Equal(new[] { Transition }, other.Events.Select(e => e.Kind).ToArray());

        // From 1 s in: the commits-blocked window began before but lasts into it, so it stays.
        var late = await BuildAsync("datanode1", At(1), At(2000));
        Assert.Equal(CommitsBlocked, late.Events[0].Kind);
        Assert.DoesNotContain(late.Events, e => e.Kind == Transition && e.At == At(0));

        // The whole cluster: both pairs.
        var all = await BuildAsync(null, T0.AddMinutes(-1), At(2000));
        Assert.Equal(new[] { "datanode1", "datanode2" }, all.Events.Select(e => e.Subject).Distinct().Order().ToArray());
    }

    private static PgxcBot.Core.Pairs.PairTransition Move(double at, PgxcBot.Core.Pairs.PairState from, PgxcBot.Core.Pairs.PairState to) =>
        new("datanode1", At(at), from, to, PgxcBot.Core.Pairs.PairTrigger.ObservedSlaveLost, $"{from} to {to}");

    private static PgxcBot.Core.Operations.Operation Done(long id, string kind, double at) =>
        new(id, kind, "datanode1", PgxcBot.Core.Operations.OperationState.Succeeded, ScriptedIncident.Bot, At(at - 1), null, null, null, "n",
            new PgxcBot.Core.Runbooks.Runbook(kind, "datanode1", kind, [], [], []), [], "done", [])
        {
            Decisions = [new(PgxcBot.Core.Operations.DecisionKind.Succeeded, null, At(at))],
        };

    [Fact]
    public void Commits_are_blocked_only_after_a_sync_pair_lost_its_slave_and_only_until_an_operation_or_a_transition_released_them()
    {
        // Released by the monitor's async switch at 7 s, long before the slave came back at 20 s (the state moves then).
        var released = TimelineBuilder.Build(new TimelineSources(
            [Move(0, PairState.Sync, PairState.DegradedSlaveLost), Move(20, PairState.DegradedSlaveLost, PairState.Async)], [], [Done(1, "async", 7)], []),
            "datanode1", T0, At(60));
        var window = Assert.Single(released.CommitsBlocked);
        Assert.Equal((TimeSpan.FromSeconds(7), "released by #1 async"), (window.Duration!.Value, window.Result));

        // An async pair losing its slave, or a promoted master without a slave: nothing waits.
        var none = TimelineBuilder.Build(new TimelineSources(
            [Move(0, PairState.Async, PairState.DegradedSlaveLost), Move(5, PairState.DegradedSlaveLost, PairState.Async),
             Move(10, PairState.DegradedMasterLost, PairState.DegradedSlaveLost), Move(15, PairState.DegradedSlaveLost, PairState.Promoted)], [], [], []),
            "datanode1", T0, At(60));
        Assert.Empty(none.CommitsBlocked);

        // No operation released them: until the pair's state moved (a sync operation of the pair releases nothing).
        var byTransition = TimelineBuilder.Build(new TimelineSources(
            [Move(0, PairState.Sync, PairState.DegradedSlaveLost), Move(12, PairState.DegradedSlaveLost, PairState.Sync)], [], [Done(1, "sync", 3)], []),
            "datanode1", T0, At(60));
        Assert.Equal(TimeSpan.FromSeconds(12), Assert.Single(byTransition.CommitsBlocked).Duration);

        // Still going at the end, unless an operation released them meanwhile.
        var open = TimelineBuilder.Build(new TimelineSources([Move(0, PairState.Sync, PairState.DegradedSlaveLost)], [], [Done(1, "promote", 9)], []),
            "datanode1", T0, At(60));
        Assert.Equal(TimeSpan.FromSeconds(9), Assert.Single(open.CommitsBlocked).Duration);
    }

    [Fact]
    public void A_window_still_open_at_the_end_counts_up_to_now()
    {
        var open = TimelineBuilder.Build(new TimelineSources(
            [new("datanode1", At(0), Core.Pairs.PairState.Sync, Core.Pairs.PairState.DegradedSlaveLost, Core.Pairs.PairTrigger.ObservedSlaveLost, "lost")], [], [], []),
            "datanode1", T0, At(30));

        var window = Assert.Single(open.CommitsBlocked);
        Assert.Null(window.EndedAt);
        Assert.Equal(TimeSpan.FromSeconds(30), open.CommitsBlockedTotal);
        Assert.Contains("still going at 03:00:30.0", string.Join("\n", TimelineMessageBuilder.Lines(open)));
    }
}
