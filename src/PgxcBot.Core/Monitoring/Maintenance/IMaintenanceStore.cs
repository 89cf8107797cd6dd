namespace PgxcBot.Core.Monitoring;

/// <summary>
/// Maintenance windows, silences and acknowledgements, kept where every process reads the same state
/// (the SQLite store). Each call is one transaction: a window is set, ended or expired whole.
/// </summary>
public interface IMaintenanceStore
{
    /// <summary>Stores <paramref name="mute"/> (its <see cref="Mute.Id"/> is ignored) and ends, in the same
    /// transaction, a lasting one with the same subject and kind: setting it again replaces it. Returns the
    /// stored mute and the one it replaced (or null).</summary>
    Task<(Mute Stored, Mute? Replaced)> SetMuteAsync(Mute mute, CancellationToken cancellationToken);

    /// <summary>Ends the lasting mute of <paramref name="subject"/> and <paramref name="kind"/> (null: maintenance);
    /// returns it, or null when there was none.</summary>
    Task<Mute?> EndMuteAsync(string subject, string? kind, string endedBy, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Mutes not ended yet (including those past their end that nobody has expired yet).</summary>
    Task<IReadOnlyList<Mute>> GetLastingMutesAsync(CancellationToken cancellationToken);

    /// <summary>Ends every lasting mute whose end is at or before <paramref name="now"/> and returns them; a mute
    /// is returned by exactly one call (so exactly one process announces its end).</summary>
    Task<IReadOnlyList<Mute>> ExpireMutesAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The latest mutes of <paramref name="datanode"/> (and of the whole cluster), newest first; null: all.</summary>
    Task<IReadOnlyList<Mute>> GetMuteHistoryAsync(string? datanode, int limit, CancellationToken cancellationToken);

    /// <summary>Stores a request for a window (migration 9) and marks, in the same transaction, an awaiting one of the
    /// same subject and kind as replaced. Returns the stored request and the one it replaced (or null).</summary>
    Task<(MuteRequest Stored, MuteRequest? Replaced)> RequestMuteAsync(MuteRequest request, CancellationToken cancellationToken);

    /// <summary>The awaiting request of <paramref name="subject"/> and <paramref name="kind"/> (null: maintenance), or null.</summary>
    Task<MuteRequest?> GetAwaitingRequestAsync(string subject, string? kind, CancellationToken cancellationToken);

    /// <summary>
    /// Approves request <paramref name="requestId"/> if it still awaits approval and has not expired at
    /// <paramref name="at"/>, and sets its window, in one transaction (a lasting window of the same subject and kind is
    /// replaced): of two approvers, exactly one sets it. Who may approve is the caller's check, made before.
    /// </summary>
    Task<MuteApproval> ApproveMuteAsync(long requestId, string approvedBy, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Sets (or replaces) the owner of an incident.</summary>
    Task SaveAcknowledgementAsync(Acknowledgement acknowledgement, CancellationToken cancellationToken);

    /// <summary>Removes the owner of an incident; returns the removed one, or null.</summary>
    Task<Acknowledgement?> RemoveAcknowledgementAsync(string incidentKey, CancellationToken cancellationToken);

    Task<IReadOnlyList<Acknowledgement>> GetAcknowledgementsAsync(CancellationToken cancellationToken);
}
