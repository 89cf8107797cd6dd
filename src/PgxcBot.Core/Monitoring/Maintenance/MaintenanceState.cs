namespace PgxcBot.Core.Monitoring;

/// <summary>
/// The maintenance windows, silences and owners in force at one moment, as read from the store; the
/// incident engine, the automatic actions and status all decide by this one value.
/// </summary>
public sealed record MaintenanceState(IReadOnlyList<Mute> Mutes, IReadOnlyList<Acknowledgement> Acknowledgements)
{
    public static MaintenanceState None { get; } = new([], []);

    /// <summary>The maintenance window covering <paramref name="subject"/> (its own, else the whole cluster's), or null.</summary>
    public Mute? MaintenanceOf(string subject) =>
        Mutes.FirstOrDefault(m => m.IsMaintenance && m.Subject == subject)
        ?? Mutes.FirstOrDefault(m => m.IsMaintenance && m.Subject == Mute.EveryDatanode);

    /// <summary>The window or silence that mutes <paramref name="incidentKey"/> (subject/kind), or null.</summary>
    public Mute? MuteOf(string incidentKey)
    {
        var (subject, kind) = Split(incidentKey);
        return MaintenanceOf(subject) ?? Mutes.FirstOrDefault(m => !m.IsMaintenance && m.Covers(subject, kind));
    }

    public Acknowledgement? OwnerOf(string incidentKey) =>
        Acknowledgements.FirstOrDefault(a => string.Equals(a.IncidentKey, incidentKey, StringComparison.Ordinal));

    /// <summary>subject/kind; the subject may itself contain '/' (host/NAME), the kind never does.</summary>
    public static (string Subject, string Kind) Split(string incidentKey)
    {
        ArgumentNullException.ThrowIfNull(incidentKey);
        var slash = incidentKey.LastIndexOf('/');
        return slash <= 0 ? (incidentKey, "") : (incidentKey[..slash], incidentKey[(slash + 1)..]);
    }
}
