using PgxcBot.Core.Observation;

namespace PgxcBot.Core.Assessment;

/// <summary>Whether promoting the slave keeps every acknowledged commit, as far as the servers prove it.</summary>
public enum PromoteVerdict
{
    /// <summary>Proven: the slave was needed for every commit when the master was last seen, and has received
    /// at least everything the master had flushed then.</summary>
    Safe,
    /// <summary>Not proven: a promote may lose acknowledged commits; <see cref="PromoteEvidence.MissingBytes"/> says how much at least, when known.</summary>
    MayLoseCommits,
}

/// <summary>The verdict with the evidence it rests on, each item a sentence with its values and times.</summary>
/// <param name="MissingBytes">WAL the master had flushed when last seen that the slave has not received
/// (a lower bound of what a promote loses); 0 when it has all of it; null when unknown.</param>
/// <param name="Summary">One sentence for status, alerts and the plan: the verdict and why.</param>
public sealed record PromoteEvidence(PromoteVerdict Verdict, long? MissingBytes, string Summary, IReadOnlyList<string> Evidence)
{
    public bool Safe => Verdict == PromoteVerdict.Safe;
}

/// <summary>
/// The one rule that calls a promote safe (issue "Safe to promote only from what the servers prove"):
/// safe only when, at the master's last sighting, the slave was needed for every commit (its own WAL sender,
/// found by address and name, was a synchronous standby the rule could not do without, with
/// synchronous_commit making commits wait) AND the slave's own received position, read from the slave now,
/// is at or past the master's flushed position at that sighting. Names, settings on their own, the stored
/// pair state and the bot's earlier words prove nothing. Pure: the caller supplies the facts.
/// </summary>
public static class PromoteSafety
{
    /// <param name="sighting">The master's last sighting (this snapshot's when the master answers); null when the bot never saw it.</param>
    /// <param name="slaveReceived">The slave's received (else replayed) position read from the slave now; null when it cannot be read.</param>
    /// <param name="slaveSource">Where <paramref name="slaveReceived"/> comes from, for the evidence ("pg_last_wal_receive_lsn() on the slave").</param>
    /// <param name="now">When the slave was read.</param>
    /// <param name="masterWalEnd">Where the dead master's WAL ends on its disk (pg_waldump over the shell, its
    /// postmaster gone): everything it ever wrote, so everything it acknowledged, is before it. Null when
    /// unknown (host unreachable, or a server still runs there).</param>
    public static PromoteEvidence Judge(MasterSighting? sighting, Lsn? slaveReceived, string slaveSource, DateTimeOffset now,
        Lsn? masterWalEnd = null)
    {
        var evidence = new List<string>();
        if (masterWalEnd is { } end)
        {
            // The strongest evidence there is: what the dead master wrote against what the slave has, whatever
            // the synchronous settings were when it died.
            evidence.Add($"the old master is down and its WAL ends at {end} (pg_waldump on its host)");
            if (slaveReceived is { } have)
            {
                evidence.Add($"the slave has received WAL up to {have} ({slaveSource}, {now:HH:mm:ss.f} UTC)");
                var gap = Gap(end, have);
                if (gap == 0)
                    return new PromoteEvidence(PromoteVerdict.Safe, 0,
                        $"promoting it is safe: the slave has every byte of WAL the old master wrote ({have} ≥ {end})", evidence);
                var inSync = sighting?.SlaveInSync == true;
                return new PromoteEvidence(PromoteVerdict.MayLoseCommits, gap,
                    $"promoting it loses {Humanize.Bytes(gap)} of WAL the old master wrote but the slave never received" +
                    (inSync ? " (the slave was a synchronous standby when last seen, so these may be only commits never acknowledged, but nothing proves it)" : ""),
                    evidence);
            }
            evidence.Add($"the slave's received position cannot be read ({slaveSource})");
            return new PromoteEvidence(PromoteVerdict.MayLoseCommits, null,
                "nothing proves the slave has every acknowledged commit: its received position cannot be read", evidence);
        }
        if (sighting is null)
        {
            evidence.Add("the bot has not seen the master answer as a writable master (since it started, and none is stored)");
            if (slaveReceived is { } only) evidence.Add($"the slave has received WAL up to {only} ({slaveSource})");
            return new PromoteEvidence(PromoteVerdict.MayLoseCommits, null,
                "the bot never saw the master answer, so nothing proves the slave has every acknowledged commit", evidence);
        }

        var seen = $"{sighting.At:HH:mm:ss.f} UTC ({Humanize.Duration(now - sighting.At)} ago)";
        var flushed = sighting.AcknowledgedUpTo;
        evidence.Add(flushed is { } f
            ? $"the master was last seen at {seen} with WAL flushed up to {f}"
            : $"the master was last seen at {seen}, its WAL position unknown");
        evidence.Add(sighting.SyncBasis ?? (sighting.SlaveInSync ? "the slave was then a synchronous standby every commit waited for" : "the slave was then not a synchronous standby every commit waited for"));
        if (slaveReceived is { } received) evidence.Add($"the slave has received WAL up to {received} ({slaveSource}, {now:HH:mm:ss.f} UTC)");
        else evidence.Add($"the slave's received position cannot be read ({slaveSource})");

        long? missing = flushed is { } m && slaveReceived is { } r ? m.BytesAfter(r) : null;
        if (sighting.SlaveInSync && missing == 0)
            return new PromoteEvidence(PromoteVerdict.Safe, 0,
                $"promoting it is safe: the slave was a synchronous standby every commit waited for and has all the WAL the master had flushed when last seen ({slaveReceived} ≥ {flushed})",
                evidence);

        var summary = missing switch
        {
            > 0 => $"promoting it loses at least {Humanize.Bytes(missing.Value)} of WAL: the master had flushed up to {flushed} when last seen, the slave has received only up to {slaveReceived}" +
                   (sighting.SlaveInSync ? " (it was a synchronous standby, so the gap may hold only unconfirmed commits, but nothing proves it)" : ""),
            null => $"nothing proves the slave has every acknowledged commit: {(slaveReceived is null ? "its received position cannot be read" : "the master's position when last seen is unknown")}",
            _ => "the slave had all the WAL the master had flushed when last seen, but was not a synchronous standby every commit waited for, so commits acknowledged after that may be missing",
        };
        return new PromoteEvidence(PromoteVerdict.MayLoseCommits, missing, summary, evidence);
    }

    /// <summary>WAL in <paramref name="end"/> beyond <paramref name="have"/>. A position at a page boundary and
    /// the first record after that page's header are the same place (pg_waldump names the latter; 40 bytes
    /// is the long header that opens a segment).</summary>
    private static long Gap(Lsn end, Lsn have)
    {
        var gap = end.BytesAfter(have);
        return gap <= 40 && have.Value % 8192 == 0 ? 0 : gap;
    }

    /// <summary>Where the dead master's WAL ends, when its host shows no server in its data directory.</summary>
    public static Lsn? MasterWalEnd(ServerProbe master) =>
        master.Process is { PostmasterRunning: false, WalEnd: { } end } ? end : null;

    /// <summary>The slave's own received position now, and where it was read: SQL when the slave answers,
    /// else its WAL receiver's process title (Postgres-XC/XL show the position there).</summary>
    public static (Lsn? Received, string Source) SlaveReceived(ServerProbe? slave)
    {
        if (slave?.Facts?.Standby is { } standby)
        {
            if (standby.ReceiveLsn is { } receive) return (receive, "received position read from the slave");
            if (standby.ReplayLsn is { } replay) return (replay, "replayed position read from the slave (no WAL receiver position)");
        }
        if (slave?.Process?.WalReceiver?.ReceivedLsn is { } title) return (title, "the slave's WAL receiver process title");
        if (slave?.Process?.WalEnd is { } end) return (end, "the end of the WAL in the slave's data directory (pg_waldump)");
        if (slave is null) return (null, "the slave was not probed");
        return (null, slave.Answered ? "the slave reports no received position" : $"the slave does not answer SQL ({slave.Status})");
    }
}
