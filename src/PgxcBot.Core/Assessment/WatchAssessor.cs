using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Assessment;

/// <summary>
/// What fills a master's disk or holds its locks, on each pair's writable master: WAL kept by replication slots
/// (inactive, far behind, or that lost WAL), by archiving that fails, or in a WAL directory grown past the
/// thresholds (whatever stops recycling: the causes the bot sees are named); and prepared (two-phase)
/// transactions older than the threshold, with the datanodes they are prepared on. Pure.
/// </summary>
internal static class WatchAssessor
{
    public static IReadOnlyList<PairAssessment> Assess(ClusterTopology topology, ClusterSnapshot snapshot, IReadOnlyList<PairAssessment> pairs)
    {
        var masters = snapshot.Pairs
            .Select(o => (o.Datanode, Facts: Writable(o)))
            .Where(m => m.Facts is not null)
            .ToDictionary(m => m.Datanode, m => m.Facts!, StringComparer.Ordinal);
        return pairs.Select(pair =>
        {
            var config = topology.FindDatanode(pair.Datanode);
            var observation = snapshot.Pairs.FirstOrDefault(o => o.Datanode == pair.Datanode);
            if (config is null || observation is null || !masters.TryGetValue(pair.Datanode, out var facts)) return pair;
            var where = observation.Master.Facts is { InRecovery: false } ? observation.Master.Location : observation.Slave!.Location;
            var at = $"{where.HostName}:{where.Port}";
            var problems = new List<Problem>(pair.Problems);
            problems.AddRange(Wal(topology.Monitor, pair.Datanode, at, facts));
            var inDoubt = facts.Prepared.Where(p => p.Age >= topology.Monitor.PreparedWarning).ToArray();
            if (inDoubt.Length > 0) problems.Add(Prepared(topology.Monitor, pair.Datanode, at, inDoubt, masters));
            return pair with
            {
                Problems = problems,
                Health = problems.Select(p => p.Severity).DefaultIfEmpty(Severity.Ok).Max(),
                Prepared = facts.Prepared,
                InDoubt = inDoubt,
            };
        }).ToArray();
    }

    private static ServerFacts? Writable(PairObservation o) =>
        o.Master.Facts is { InRecovery: false } m ? m : o.Slave?.Facts is { InRecovery: false } s ? s : null;

    private static IEnumerable<Problem> Wal(MonitorSettings monitor, string name, string at, ServerFacts facts)
    {
        if (facts.WatchError is { } error)
        {
            yield return new Problem(ProblemCodes.WatchUnreadable, Severity.Warning, name,
                $"The bot cannot read what keeps WAL or which prepared transactions wait on {name}'s master {at} ({error}): a slot or archiving that fills the disk would go unseen.",
                $"Grant the bot's database user pg_monitor on {at} (GRANT pg_monitor TO <user>), then /pgxc status");
            yield break;
        }
        if (facts.Wal is not { } wal) yield break;
        var warn = monitor.WalRetainedWarningBytes;
        var crit = monitor.WalRetainedCriticalBytes;
        var causes = new List<string>();

        foreach (var slot in wal.Slots)
        {
            long? held = facts.CurrentWalLsn is { } current && slot.RestartLsn is { } restart ? current.BytesAfter(restart) : null;
            var kind = $"{(slot.Active ? "active" : "inactive")} replication slot '{slot.Name}' ({slot.Type})";
            if (held is { } h && h > 0) causes.Add($"{kind} holds {Humanize.Bytes(h)}");
            if (slot.WalStatus == "lost")
            {
                yield return new Problem(ProblemCodes.WalSlotRetaining, Severity.Critical, name,
                    $"On {name}'s master {at}, the {kind} has lost WAL it still needed (wal_status lost, max_slot_wal_keep_size): whatever uses it can never catch up from it.",
                    $"Rebuild what used slot '{slot.Name}' (a slave: /pgxc rebuild {name}), then drop the slot on {at}: SELECT pg_drop_replication_slot('{slot.Name}');");
                continue;
            }
            if (held is not { } bytes) continue;
            var severity = bytes >= crit ? Severity.Critical
                : !slot.Active && bytes >= wal.SegmentBytes ? Severity.Warning
                : bytes >= warn ? Severity.Warning
                : Severity.Ok;
            if (severity == Severity.Ok) continue;
            var limit = slot.SafeWalSize is { } safe ? $" It can hold {Humanize.Bytes(safe)} more before it loses WAL (max_slot_wal_keep_size)." : " Nothing limits it (no max_slot_wal_keep_size): it grows until the disk is full.";
            var meaning = slot.Active
                ? $"its consumer is {Humanize.Bytes(bytes)} behind, and the master keeps all of it"
                : "nothing consumes it, so the master keeps every new segment from there on";
            yield return new Problem(ProblemCodes.WalSlotRetaining, severity, name,
                $"On {name}'s master {at}, the {kind} holds {Humanize.Bytes(bytes)} of WAL (from {slot.RestartLsn} to {facts.CurrentWalLsn}): {meaning}.{limit}",
                slot.Active
                    ? $"Find out why the slot's consumer lags (SELECT * FROM pg_stat_replication on {at}); if it is gone for good, drop the slot: SELECT pg_drop_replication_slot('{slot.Name}');"
                    : $"If nothing will use slot '{slot.Name}' again, drop it on {at}: SELECT pg_drop_replication_slot('{slot.Name}'); (its consumer could then not resume from it)");
        }

        if (wal.ArchiveMode is "on" or "always" && wal.Archiver is { Failing: true } archiver)
        {
            var pending = wal.ArchivePendingBytes;
            if (pending is { } p && p > 0) causes.Add($"archiving, {Humanize.Bytes(p)} not archived");
            var since = archiver.LastArchivedWal is null ? "it has never archived a segment" : $"the last segment archived was {archiver.LastArchivedWal} at {archiver.LastArchivedAt:HH:mm:ss} UTC";
            yield return new Problem(ProblemCodes.WalArchivingFailing, pending >= crit ? Severity.Critical : Severity.Warning, name,
                $"On {name}'s master {at}, archive_command fails (last failure {archiver.LastFailedWal} at {archiver.LastFailedAt:HH:mm:ss} UTC, {archiver.FailedCount} failures; {since}): the master keeps every segment not archived{(pending is { } b ? $", {Humanize.Bytes(b)} so far" : "")}, and the disk fills until archiving succeeds.",
                $"Read {at}'s log for the archive_command error and fix it (the archive's disk, its mount, the command); the master releases the WAL once archiving catches up");
        }

        if (wal.OnDiskBytes is { } onDisk && onDisk >= warn)
        {
            if (wal.KeepBytes is { } keep && keep > 0) causes.Add($"wal_keep keeps {Humanize.Bytes(keep)}");
            if (wal.CheckpointBytes is { } checkpoint) causes.Add($"up to {Humanize.Bytes(checkpoint)} between checkpoints (max_wal_size)");
            var explained = causes.Count == 0
                ? "nothing the bot sees explains it (no slot, no failing archiver, no wal_keep): look for what stops WAL recycling (checkpoints that do not complete, a stuck archiver)"
                : "what keeps it: " + string.Join("; ", causes);
            yield return new Problem(ProblemCodes.WalRetained, onDisk >= crit ? Severity.Critical : Severity.Warning, name,
                $"{name}'s master {at} keeps {Humanize.Bytes(onDisk)} of WAL in its WAL directory (warning {Humanize.Bytes(warn)}, critical {Humanize.Bytes(crit)}); {explained}.",
                $"Free what holds the WAL (see the other lines for {name}), then /pgxc status; check the free space on {at.Split(':')[0]} meanwhile");
        }
    }

    private static Problem Prepared(MonitorSettings monitor, string name, string at, IReadOnlyList<PreparedTransaction> inDoubt,
        IReadOnlyDictionary<string, ServerFacts> masters)
    {
        var oldest = inDoubt.Max(p => p.Age);
        var items = inDoubt.Take(5).Select(p =>
        {
            var elsewhere = masters.Where(m => m.Key != name && m.Value.Prepared.Any(o => o.Gid == p.Gid)).Select(m => m.Key).ToArray();
            var also = elsewhere.Length == 0 ? "" : $"; also prepared on {string.Join(", ", elsewhere)}";
            return $"'{p.Gid}' (prepared {p.PreparedAt:HH:mm:ss} UTC, {Humanize.Duration(p.Age)} ago, database {p.Database}, owner {p.Owner}{also})";
        });
        var more = inDoubt.Count > 5 ? $" and {inDoubt.Count - 5} more" : "";
        var (next, command, label) = PreparedAdvice.Step(name, at, inDoubt);
        return new Problem(ProblemCodes.PreparedTransactionStuck, oldest >= monitor.PreparedCritical ? Severity.Critical : Severity.Warning, name,
            $"{name}'s master {at} has {inDoubt.Count} prepared transaction(s) older than {Humanize.Duration(monitor.PreparedWarning)}: {string.Join(", ", items)}{more}. " +
            "Each keeps its locks (an UPDATE or ALTER TABLE on what it touched waits) and keeps VACUUM from removing dead rows until it is committed or rolled back.",
            next)
        {
            Command = command,
            ActionLabel = label,
        };
    }
}
