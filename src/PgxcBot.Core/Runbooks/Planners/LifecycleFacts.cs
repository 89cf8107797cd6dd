using PgxcBot.Core.Servers;

namespace PgxcBot.Core.Runbooks.Planners;

/// <summary>The master's replication-related settings, as pg_settings shows them now (live values).</summary>
public sealed record MasterSettings(string WalLevel, int MaxWalSenders, string ArchiveMode, string ArchiveCommand)
{
    /// <summary>The pg_settings names read for <see cref="MasterSettings"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["wal_level", "max_wal_senders", "archive_mode", "archive_command"];

    /// <summary>From (name, setting) rows of pg_settings; missing rows read as the server defaults of old versions.</summary>
    public static MasterSettings From(IReadOnlyDictionary<string, string> settings) => new(
        settings.GetValueOrDefault("wal_level", "minimal"),
        int.TryParse(settings.GetValueOrDefault("max_wal_senders"), out var senders) ? senders : 0,
        settings.GetValueOrDefault("archive_mode", "off"),
        settings.GetValueOrDefault("archive_command", ""));
}

/// <summary>
/// What the lifecycle planners need beyond the snapshot, gathered over SSH and SQL just before planning.
/// Null where it could not be read; the planner then refuses and says why.
/// </summary>
/// <param name="MasterSettings">The (current) master's settings; null when it did not answer.</param>
/// <param name="SlaveDir">What is in the slave's data directory.</param>
/// <param name="SlaveControl">pg_controldata of the slave's data directory (rebuild: the old master's); null when absent or unreadable.</param>
/// <param name="SlaveHostError">Why the slave's host could not be asked, or null when it answered.</param>
public sealed record LifecycleFacts(MasterSettings? MasterSettings, DataDirState SlaveDir, ControlData? SlaveControl, string? SlaveHostError)
{
    public static LifecycleFacts None { get; } = new(null, DataDirState.Unknown, null, null);
}

/// <summary>Options of a lifecycle request, from the chat command's flags.</summary>
/// <param name="MoveAside">A non-empty slave data directory may be renamed to <c>dir.pgxcbot-TIMESTAMP</c>.</param>
/// <param name="AsyncOnly">Stop at asynchronous replication: do not make the slave synchronous.</param>
/// <param name="ForceBaseBackup">Rebuild with a fresh base backup even when pg_rewind could work.</param>
public sealed record LifecycleRequest(string Datanode, bool MoveAside = false, bool AsyncOnly = false, bool ForceBaseBackup = false);
