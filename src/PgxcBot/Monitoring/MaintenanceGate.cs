using Microsoft.Extensions.Logging;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Monitoring;

namespace PgxcBot.Monitoring;

/// <summary>
/// The monitor's side of maintenance windows, silences and owners: reads the one stored state at each poll
/// (so a window set from another process or before a restart counts at once), ends expired windows with
/// their message, mutes what they cover (<see cref="MaintenanceRules"/>), pages once what still pages in
/// maintenance, and forgets the owner of an incident that ended. A store that cannot be read keeps the
/// last state read: a window must not end because the disk was busy. Called under the monitor's gate.
/// </summary>
public sealed partial class MaintenanceGate(TimeProvider time, ILogger<MaintenanceGate> logger, IMaintenanceStore? store = null)
{
    private readonly HashSet<string> _pagedDespite = new(StringComparer.Ordinal);

    /// <summary>The state the last <see cref="RefreshAsync"/> read (none before the first).</summary>
    public MaintenanceState Current { get; private set; } = MaintenanceState.None;

    /// <summary>Ends the windows that expired (atomically: one process announces each) and reads what is in
    /// force; returns the expired ones, whose messages <see cref="Gate"/> adds.</summary>
    public async Task<IReadOnlyList<Mute>> RefreshAsync(CancellationToken cancellationToken)
    {
        if (store is null) return [];
        try
        {
            var expired = await store.ExpireMutesAsync(time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            Current = new MaintenanceState(await store.GetLastingMutesAsync(cancellationToken).ConfigureAwait(false),
                await store.GetAcknowledgementsAsync(cancellationToken).ConfigureAwait(false));
            return expired;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogUnreadable(logger, e);
            return [];
        }
    }

    /// <summary>The notifications of one poll under the current state: muted ones dropped (logged, their
    /// incidents stay stored and show as muted in status), plus the one page of what still pages in
    /// maintenance, plus the end messages of <paramref name="expired"/> windows.</summary>
    public IncidentRound Gate(IncidentRound round, IncidentEngine engine, IReadOnlyList<Mute> expired)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(engine);
        var now = time.GetUtcNow();
        var filtered = MaintenanceRules.Filter(round.Notifications, Current, engine.Find, now);
        foreach (var muted in filtered.Muted) LogMuted(logger, muted.IncidentKey, muted.Kind, muted.Message.Title);
        // What pages through a window says so: the on-call learns that people are working there, who and until when.
        var notifications = filtered.Sent.Select(n => MaintenanceMessages.Despite(n, Current.MuteOf(n.IncidentKey))).ToList();

        foreach (var (incident, mute) in MaintenanceRules.MutedIncidents(engine.Active, Current))
            if (MaintenanceRules.StillPages(incident, now) && _pagedDespite.Add(incident.Key) && filtered.Sent.All(n => n.IncidentKey != incident.Key))
                notifications.Add(new Notification(incident.Key, NotificationKind.Reminder, MaintenanceMessages.PagedDespite(incident, mute, now), MentionOnCall: true));
        _pagedDespite.RemoveWhere(key => Current.MuteOf(key) is null || engine.Find(key) is null);

        foreach (var mute in expired)
        {
            var stillOpen = engine.Active.Where(i => i.Status == IncidentStatus.Open && Covers(mute, i.Key) && Current.MuteOf(i.Key) is null).ToArray();
            var message = MaintenanceMessages.Ended(mute, $"by itself at {MaintenanceMessages.When(mute.EndsAt)}", stillOpen);
            notifications.Add(new Notification(MaintenanceMessages.KeyOf(mute), NotificationKind.Cleared, message,
                MentionOnCall: stillOpen.Any(i => i.Latest.Severity >= Core.Assessment.Severity.Critical)));
        }
        return new IncidentRound(notifications, round.Changed);
    }

    /// <summary>Removes the owners of incidents that are over: the next incident of that kind is nobody's yet.</summary>
    public async Task ForgetEndedOwnersAsync(IncidentEngine engine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        if (store is null) return;
        foreach (var owner in Current.Acknowledgements.Where(a => engine.Find(a.IncidentKey) is null))
        {
            try
            {
                await store.RemoveAcknowledgementAsync(owner.IncidentKey, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogUnreadable(logger, e);
            }
        }
    }

    private static bool Covers(Mute mute, string key)
    {
        var (subject, kind) = MaintenanceState.Split(key);
        return mute.Covers(subject, kind);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read or write the maintenance windows; the last state read stays in force")]
    private static partial void LogUnreadable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Muted (maintenance or silence): {IncidentKey} {Kind}: {Title}")]
    private static partial void LogMuted(ILogger logger, string incidentKey, NotificationKind kind, string title);
}
