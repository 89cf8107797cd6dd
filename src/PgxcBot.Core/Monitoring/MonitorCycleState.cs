using PgxcBot.Core.Messages;

namespace PgxcBot.Core.Monitoring;

/// <summary>
/// What the monitor remembers from one poll to the next, and the only thing <see cref="MonitorCycle.Run"/> changes:
/// the incidents (<see cref="IncidentEngine"/>), the automatic async/sync switches (<see cref="AsyncSwitchAutopilot"/>),
/// the automatic failovers (<see cref="FailoverAutopilot"/>), how long each master has not answered
/// (<see cref="MasterLossRule"/>) and the pages sent despite a maintenance window (<see cref="MaintenanceMuting"/>).
/// In memory; the host restores the incidents and async switch records from its store at start and stores what
/// each cycle changed. Not thread-safe: the host serialises every call (its gate).
/// </summary>
public sealed class MonitorCycleState
{
    /// <param name="settings">The validated <c>alerts</c> section.</param>
    /// <param name="time">The monitor's clock (reminders, flap windows, grace periods).</param>
    /// <param name="incidents">Incidents restored from the store (open and resolving ones are kept).</param>
    /// <param name="asyncSwitches">Async switch records restored from the store.</param>
    /// <param name="muting">The maintenance muting to share (the host's gate's), or null for a new one.</param>
    /// <exception cref="ArgumentNullException"><paramref name="settings"/> or <paramref name="time"/> is null.</exception>
    public MonitorCycleState(AlertSettings settings, TimeProvider time, IEnumerable<Incident>? incidents = null,
        IEnumerable<AsyncSwitchRecord>? asyncSwitches = null, MaintenanceMuting? muting = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Time = time ?? throw new ArgumentNullException(nameof(time));
        Engine = new IncidentEngine(settings, time, incidents);
        AsyncSwitch = new AsyncSwitchAutopilot(settings, time, asyncSwitches);
        Failover = new FailoverAutopilot(settings, time);
        Muting = muting ?? new MaintenanceMuting();
    }

    /// <summary>The monitor's clock: "now" for muting and everything the engines time.</summary>
    public TimeProvider Time { get; }

    /// <summary>The incidents: raised, reminded, cleared, reopened.</summary>
    public IncidentEngine Engine { get; }

    /// <summary>The automatic switches to async (blocked commits) and back to sync (caught up).</summary>
    public AsyncSwitchAutopilot AsyncSwitch { get; }

    /// <summary>The automatic failovers (<c>alerts.autoFailover</c>).</summary>
    public FailoverAutopilot Failover { get; }

    /// <summary>How long, and how, each master has not answered.</summary>
    public MasterLossRule MasterLoss { get; } = new();

    /// <summary>What maintenance windows and silences keep back, and the pages sent despite them.</summary>
    public MaintenanceMuting Muting { get; }

    /// <summary>
    /// Turns decided messages into incident changes: opens at once the incidents the autopilot announces, closes
    /// silently those whose all-clear is the autopilot's own note, and lists every message in the order it goes
    /// out (<paramref name="round"/>'s, the announcements, the autopilot's notes, then <paramref name="more"/>).
    /// Used by each cycle and by the host when an automatic operation it ran beside the loop has ended.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="round"/> or <paramref name="asyncSwitch"/> is null.</exception>
    public MonitorChanges Settle(IncidentRound round, AsyncSwitchDecision asyncSwitch, IReadOnlyList<Notification>? more = null)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(asyncSwitch);
        var notifications = new List<Notification>(round.Notifications);
        var changed = new List<Incident>(round.Changed);
        foreach (var announcement in asyncSwitch.Announcements)
        {
            var announced = Engine.Announce(announcement.Candidate, announcement.Message);
            notifications.AddRange(announced.Notifications);
            changed.AddRange(announced.Changed);
        }
        foreach (var key in asyncSwitch.Resolved)
            changed.AddRange(Engine.Resolve(key).Changed); // its all-clear is the autopilot's note: one message, not two
        notifications.AddRange(asyncSwitch.Notes);
        notifications.AddRange(more ?? []);
        return new MonitorChanges(notifications, changed, asyncSwitch.Changed, asyncSwitch.Removed);
    }

    /// <summary>When the stored incidents first saw <paramref name="datanode"/>'s slave lost or its commits blocked
    /// (they are evaluated in maintenance too, and survive a restart), or null.</summary>
    public DateTimeOffset? BadSince(string datanode) =>
        new[] { Engine.Find(AsyncSwitchAutopilot.KeyFor(datanode)), Engine.Find($"{datanode}/{AlertKinds.CommitsBlocked}") }
            .Where(i => i is not null).Select(i => (DateTimeOffset?)i!.FirstSeenAt).Min();
}

/// <summary>What the host must write and send after a decision: the messages in order (each becomes outbox
/// entries), the incidents that changed, and the async switch records written or ended (by datanode).</summary>
public sealed record MonitorChanges(
    IReadOnlyList<Notification> Notifications,
    IReadOnlyList<Incident> Incidents,
    IReadOnlyList<AsyncSwitchRecord> AsyncSwitches,
    IReadOnlyList<string> EndedAsyncSwitches);
