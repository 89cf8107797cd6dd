namespace PgxcBot.Core.Observation;

/// <summary>One replication slot (pg_replication_slots, 9.4+): it keeps every WAL segment from its
/// <see cref="RestartLsn"/> on, whether anything consumes it or not.</summary>
/// <param name="WalStatus">13+: reserved, extended, unreserved or lost; null before 13.</param>
/// <param name="SafeWalSize">13+: bytes that can still be written before the slot loses WAL (max_slot_wal_keep_size); null when unlimited or before 13.</param>
public sealed record ReplicationSlotFacts(string Name, string Type, bool Active, Lsn? RestartLsn, string? WalStatus, long? SafeWalSize);

/// <summary>The WAL archiver (pg_stat_archiver, 9.4+): while archive_command fails, the master keeps every
/// segment from the first one not archived.</summary>
/// <param name="ReadyFiles">Segments waiting to be archived (.ready files, pg_ls_archive_statusdir(), 12+ with
/// the privilege); null when it cannot be read.</param>
public sealed record ArchiverFacts(
    string? LastArchivedWal,
    DateTimeOffset? LastArchivedAt,
    string? LastFailedWal,
    DateTimeOffset? LastFailedAt,
    long FailedCount,
    int? ReadyFiles)
{
    /// <summary>The last attempt failed: a failure newer than the last success (or no success at all).</summary>
    public bool Failing => LastFailedAt is { } failed && (LastArchivedAt is not { } archived || failed > archived);
}

/// <summary>
/// What keeps WAL on a server's disk, read with the SQL of its version (<see cref="Servers.ServerFeatures"/>):
/// the segment size, the configured retention (wal_keep_size / wal_keep_segments), the checkpoint distance
/// (max_wal_size / checkpoint_segments), the WAL directory's size when the bot may list it, the replication
/// slots and the archiver. Postgres-XC (9.3) has neither slots nor pg_stat_archiver: there only the directory
/// (for a superuser) and the settings are known.
/// </summary>
/// <param name="SegmentBytes">wal_segment_size in bytes (16 MiB by default).</param>
/// <param name="KeepBytes">What wal_keep_size (13+) or wal_keep_segments keeps, in bytes.</param>
/// <param name="CheckpointBytes">max_wal_size (9.5+) or what checkpoint_segments allows, in bytes.</param>
/// <param name="OnDiskBytes">The WAL segments in pg_wal (pg_xlog), in bytes; null when the bot may not list it.</param>
/// <param name="CurrentWalFile">The segment the master writes now (null in recovery).</param>
/// <param name="ArchiveMode">archive_mode: off, on, always.</param>
public sealed record WalFacts(
    long SegmentBytes,
    long? KeepBytes,
    long? CheckpointBytes,
    long? OnDiskBytes,
    string? CurrentWalFile,
    string ArchiveMode,
    IReadOnlyList<ReplicationSlotFacts> Slots,
    ArchiverFacts? Archiver)
{
    /// <summary>The segment number a WAL file name stands for (timeline left out), for counting segments between two names.</summary>
    public long? SegmentNumber(string? walFile)
    {
        if (walFile is not { Length: 24 } name || SegmentBytes <= 0) return null;
        if (!ulong.TryParse(name.AsSpan(8, 8), System.Globalization.NumberStyles.HexNumber, null, out var log)
            || !ulong.TryParse(name.AsSpan(16, 8), System.Globalization.NumberStyles.HexNumber, null, out var seg)) return null;
        var perLog = 0x1_0000_0000UL / (ulong)SegmentBytes;
        return (long)(log * perLog + seg);
    }

    /// <summary>Bytes the archiver has not archived yet: segments after the last archived one up to the current one.</summary>
    public long? ArchivePendingBytes
    {
        get
        {
            if (Archiver is not { } archiver) return null;
            if (archiver.ReadyFiles is { } ready) return ready * SegmentBytes;
            if (SegmentNumber(CurrentWalFile) is not { } current || SegmentNumber(archiver.LastArchivedWal) is not { } last) return null;
            return Math.Max(0, current - last - 1) * SegmentBytes;
        }
    }
}

/// <summary>A prepared (two-phase) transaction (pg_prepared_xacts): it holds its locks and its snapshot until
/// someone runs COMMIT PREPARED or ROLLBACK PREPARED, surviving restarts and promotes.</summary>
/// <param name="Gid">The global identifier given at PREPARE TRANSACTION (a coordinator's own for implicit 2PC).</param>
/// <param name="Transaction">The transaction id on this server (on Postgres-XC/XL the global one from the GTM, the same on every node).</param>
/// <param name="Database">The database it was prepared in: COMMIT/ROLLBACK PREPARED must run there.</param>
public sealed record PreparedTransaction(string Gid, string Transaction, DateTimeOffset PreparedAt, string Owner, string Database)
{
    /// <summary>How long it has been prepared, by the server's own clock (now() - prepared).</summary>
    public TimeSpan Age { get; init; }
}
