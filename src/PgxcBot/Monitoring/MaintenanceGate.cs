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

    /// <summary>The muting the monitor's cycle applies each poll (<see cref="MonitorCycle"/>); one per gate, so a
    /// page sent despite a window is sent once whoever asks.</summary>
    public MaintenanceMuting Muting { get; } = new();

    /// <summary>The notifications of one poll under the current state: muted ones dropped (logged, their
    /// incidents stay stored and show as muted in status), plus the one page of what still pages in
    /// maintenance, plus the end messages of <paramref name="expired"/> windows.</summary>
    public IncidentRound Gate(IncidentRound round, IncidentEngine engine, IReadOnlyList<Mute> expired)
    {
        var muted = Muting.Apply(round, engine, Current, expired, time.GetUtcNow());
        LogMuted(muted.Muted);
        return muted.Round;
    }

    /// <summary>Logs what a poll muted (the incidents stay stored and show as muted in status).</summary>
    public void LogMuted(IReadOnlyList<Notification> muted)
    {
        ArgumentNullException.ThrowIfNull(muted);
        foreach (var notification in muted) LogMuted(logger, notification.IncidentKey, notification.Kind, notification.Message.Title);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read or write the maintenance windows; the last state read stays in force")]
    private static partial void LogUnreadable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Muted (maintenance or silence): {IncidentKey} {Kind}: {Title}")]
    private static partial void LogMuted(ILogger logger, string incidentKey, NotificationKind kind, string title);
}
