using PgxcBot.Tests.Assessment;
using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Monitoring;

/// <summary>The monitor's per-poll decision as a pure function (<see cref="MonitorCycle.Run"/>): each scenario
/// asserts what was decided and the one sentence that says so, poll by poll.</summary>
public class MonitorCycleTests
{
    private readonly FakeTimeProvider _time = new(ClusterBuilder.Now);
    private readonly MonitorCycleState _state;

    public MonitorCycleTests() => _state = new MonitorCycleState(AlertSettings.Default, _time);

    /// <summary>One poll of <paramref name="cluster"/> as it is now, a second after the previous one.</summary>
    private MonitorDecision Poll(ClusterBuilder cluster, MonitorCycleState? state = null, TimeSpan? after = null, MaintenanceState? maintenance = null)
    {
        _time.Advance(after ?? TimeSpan.FromSeconds(1));
        cluster.TakenAt = _time.GetUtcNow();
        var observed = new MonitorObservation(cluster.Topology(), cluster.Snapshot(), _time.GetUtcNow(), cluster.Assess(), maintenance ?? MaintenanceState.None);
        return MonitorCycle.Run(observed, state ?? _state);
    }

    private static ClusterBuilder SlaveDroppedWhileCommitsWait()
    {
        var b = new ClusterBuilder().SlaveKilled();
        b.Pair().Master = b.Pair().Master with { SyncRepWaiters = 2, OldestSyncRepWait = TimeSpan.FromSeconds(6) };
        return b;
    }

    [Fact]
    public void Healthy_cluster_no_action()
    {
        var decision = Poll(new ClusterBuilder(2));

        Assert.Equal("No action: every pair is in sync.", decision.Summary);
        Assert.True(decision.NoAction);
        Assert.Empty(decision.Changes.Notifications);
    }

    [Fact]
    public void Slave_dropped_while_commits_wait_switches_to_async_at_the_first_poll()
    {
        var decision = Poll(SlaveDroppedWhileCommitsWait());

        Assert.Equal(new AsyncSwitchIntent("datanode1", "async"), Assert.Single(decision.Operations));
        Assert.Equal("Switching datanode1 to async; waiting for a second sighting of 'datanode1: slave lost' and 'datanode1: commits are blocked'.",
            decision.Summary);
        Assert.Equal(AsyncSwitchPhase.SwitchingToAsync, Assert.Single(decision.Changes.AsyncSwitches).Phase);
        // Never twice while the switch runs; its commits-blocked alert is not repeated meanwhile.
        var again = Poll(SlaveDroppedWhileCommitsWait());
        Assert.Empty(again.Operations);
        Assert.Equal("Alerting on 'datanode1: slave lost'.", again.Summary);
    }

    [Fact]
    public void Frozen_slave_nobody_writes_to_is_switched_to_async_too()
    {
        var b = new ClusterBuilder();
        // Its last reply 31 s ago: the master still lists it as streaming, nothing confirmed since.
        b.Pair().Row = b.Pair().Row with { ReplyTime = ClusterBuilder.Now.AddSeconds(-30) };
        var decision = Poll(b);

        Assert.Equal(new AsyncSwitchIntent("datanode1", "async"), Assert.Single(decision.Operations));
        Assert.Equal("Switching datanode1 to async; waiting for a second sighting of 'datanode1: slave lost' and 'datanode1: commits are blocked'.",
            decision.Summary);
    }

    [Fact]
    public void With_the_ask_policy_blocked_commits_page_with_a_button_instead()
    {
        var ask = new MonitorCycleState(AlertSettings.Default with { AsyncSwitchPolicy = AutomationPolicy.Ask }, _time);
        var decision = Poll(SlaveDroppedWhileCommitsWait(), ask);

        Assert.Empty(decision.Operations);
        var page = Assert.Single(decision.Changes.Notifications);
        Assert.True(page.MentionOnCall);
        Assert.Contains(page.Message.Actions, a => a.Command == "/pgxc async datanode1");
        Assert.Equal("Paging for 'datanode1: commits are blocked'; waiting for a second sighting of 'datanode1: slave lost'.", decision.Summary);
    }

    [Fact]
    public void Slave_dropped_on_an_async_pair_alerts_after_two_polls_and_switches_nothing()
    {
        var b = new ClusterBuilder().Async().SlaveKilled();

        Assert.Equal("Waiting for a second sighting of 'datanode1: slave lost'.", Poll(b).Summary);
        var second = Poll(b);
        Assert.Equal("Alerting on 'datanode1: slave lost'.", second.Summary);
        Assert.False(Assert.Single(second.Changes.Notifications).MentionOnCall);
        Assert.Empty(second.Operations);
    }

    [Fact]
    public void Master_lost_is_looked_at_again_then_paged_then_cleared_when_it_is_back()
    {
        var lost = new ClusterBuilder().MasterKilled();

        var first = Poll(lost);
        Assert.Equal("Polling again at once: the master of datanode1 did not answer.", first.Summary);
        Assert.True(first.PollAgainSoon);
        Assert.Empty(first.Changes.Notifications);

        var confirmed = Poll(lost, after: TimeSpan.FromMilliseconds(300));
        Assert.Equal("Paging for 'datanode1: master lost'.", confirmed.Summary);
        var page = Assert.Single(confirmed.Changes.Notifications);
        Assert.Equal(NotificationKind.Raised, page.Kind);
        Assert.True(page.MentionOnCall);
        Assert.Contains(page.Message.Actions, a => a.Command.StartsWith("/pgxc promote datanode1", StringComparison.Ordinal));

        var back = new ClusterBuilder();
        Assert.Equal("No action: nothing new, 1 incident(s) still open.", Poll(back).Summary);
        var clear = Poll(back);
        Assert.Equal("All clear for 'datanode1: master lost'.", clear.Summary);
        Assert.Equal(NotificationKind.Cleared, Assert.Single(clear.Changes.Notifications).Kind);
        Assert.Equal("No action: every pair is in sync.", Poll(back).Summary);
    }

    [Fact]
    public void A_master_that_pauses_for_a_moment_never_pages()
    {
        var paused = new ClusterBuilder();
        paused.Pair().MasterStatus = ProbeStatus.Timeout;

        Assert.Equal("Polling again at once: the master of datanode1 did not answer.", Poll(paused).Summary);
        var answered = Poll(new ClusterBuilder(), after: TimeSpan.FromMilliseconds(500));
        Assert.Equal("No action: every pair is in sync.", answered.Summary);
        Assert.Empty(answered.Changes.Incidents);
    }

    [Fact]
    public void A_pair_whose_servers_both_time_out_for_one_poll_is_not_paged_as_down()
    {
        var silent = new ClusterBuilder();
        silent.Pair().MasterStatus = ProbeStatus.Timeout;
        silent.Pair().SlaveStatus = ProbeStatus.Timeout;

        var first = Poll(silent);
        Assert.Equal("Polling again at once: the master of datanode1 did not answer.", first.Summary);
        Assert.Empty(first.Changes.Notifications);
        var answered = Poll(new ClusterBuilder(), after: TimeSpan.FromMilliseconds(300));
        Assert.Equal("No action: every pair is in sync.", answered.Summary);
        Assert.Empty(answered.Changes.Incidents);
    }

    [Fact]
    public void A_pair_whose_servers_both_refuse_twice_is_paged_as_down_within_the_second_poll()
    {
        var down = new ClusterBuilder().MasterKilled();
        down.Pair().SlaveStatus = ProbeStatus.Unreachable;

        Assert.Empty(Poll(down).Changes.Notifications);
        var confirmed = Poll(down, after: TimeSpan.FromMilliseconds(300));
        var page = Assert.Single(confirmed.Changes.Notifications);
        Assert.Equal(NotificationKind.Raised, page.Kind);
        Assert.Equal($"datanode1/{AlertKinds.NoMaster}", page.IncidentKey);
    }

    [Fact]
    public void In_a_maintenance_window_a_dropped_slave_is_neither_switched_nor_announced()
    {
        var window = new MaintenanceState([new Mute(1, "datanode1", null, "alice", "slave host reboot", ClusterBuilder.Now, ClusterBuilder.Now.AddHours(1))], []);

        var first = Poll(SlaveDroppedWhileCommitsWait(), maintenance: window);
        Assert.Empty(first.Operations);
        Assert.Equal("Waiting for a second sighting of 'datanode1: slave lost' and 'datanode1: commits are blocked'.", first.Summary);

        var second = Poll(SlaveDroppedWhileCommitsWait(), maintenance: window);
        Assert.Empty(second.Operations);
        Assert.Empty(second.Changes.Notifications);
        Assert.Equal(2, second.Muted.Count);
        Assert.Equal(2, second.Changes.Incidents.Count); // stored, so status shows them as muted
        Assert.Equal("Muting 2 message(s) (maintenance or silence).", second.Summary);
    }
}
