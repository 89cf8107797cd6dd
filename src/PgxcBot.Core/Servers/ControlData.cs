using PgxcBot.Core.Observation;

namespace PgxcBot.Core.Servers;

/// <summary>What pg_controldata says about a (stopped) data directory, as far as the runbooks need it.</summary>
/// <param name="State">"shut down", "in production", "shut down in recovery", "in archive recovery", ...</param>
/// <param name="LatestCheckpoint">Where the last checkpoint record starts; after a clean stop, the end of WAL is just after it.</param>
public sealed record ControlData(string? State, Lsn? LatestCheckpoint, int? TimeLineId, bool DataChecksums, bool WalLogHints)
{
    /// <summary>"Minimum recovery ending location": a standby has replayed at least this far (0/0 on a master).</summary>
    public Lsn? MinRecoveryEnd { get; init; }

    /// <summary>"Bytes per WAL segment" (16 MiB unless initdb --wal-segsize chose another); null when not shown.</summary>
    public long? WalSegmentSize { get; init; }

    /// <summary>True for a server in recovery (a standby): "in archive recovery" or "in crash recovery", or shut down as one.</summary>
    public bool InRecovery => State is "in archive recovery" or "in crash recovery" or "shut down in recovery";

    /// <summary>Cleanly stopped as a master: every WAL record it wrote is before the end of its shutdown checkpoint.</summary>
    public bool CleanlyShutDown => State == "shut down";

    /// <summary>pg_rewind can work on it: hint bits are WAL-logged (wal_log_hints) or data pages carry checksums.</summary>
    public bool Rewindable => DataChecksums || WalLogHints;

    /// <summary>Parses pg_controldata output (C locale; lines "Name: value"). Unknown or missing lines stay null.</summary>
    public static ControlData Parse(string output)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            values.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
        }
        Lsn? checkpoint = values.TryGetValue("Latest checkpoint location", out var at) && Lsn.TryParse(at, out var lsn) ? lsn : null;
        int? timeline = values.TryGetValue("Latest checkpoint's TimeLineID", out var tli) && int.TryParse(tli, out var t) ? t : null;
        var checksums = values.TryGetValue("Data page checksum version", out var version) && version is not ("0" or "");
        var hints = values.TryGetValue("wal_log_hints setting", out var h) && h == "on";
        Lsn? minRecovery = values.TryGetValue("Minimum recovery ending location", out var min) && Lsn.TryParse(min, out var m) ? m : null;
        long? segment = values.TryGetValue("Bytes per WAL segment", out var bytes) && long.TryParse(bytes, out var b) && b > 0 ? b : null;
        return new ControlData(values.GetValueOrDefault("Database cluster state"), checkpoint, timeline, checksums, hints)
        {
            MinRecoveryEnd = minRecovery,
            WalSegmentSize = segment,
        };
    }
}
