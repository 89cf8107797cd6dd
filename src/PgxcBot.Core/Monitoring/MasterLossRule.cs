using PgxcBot.Core.Observation;

namespace PgxcBot.Core.Monitoring;

/// <summary>How sure the monitor is that a master is gone.</summary>
public enum MasterLossVerdict
{
    /// <summary>The master answered (or was not probed): nothing to say.</summary>
    Answering,
    /// <summary>The master did not answer, but not for long enough, or not often enough, to page: poll again soon.</summary>
    Suspect,
    /// <summary>The master is lost: page.</summary>
    Confirmed,
}

/// <summary>
/// When a master that stopped answering is paged for. Two kinds of evidence:
/// <list type="bullet">
/// <item><b>Gone</b>: the master's port refuses or resets the connection (nothing listens: the postmaster
/// died), or the slave, which answers, says its WAL receiver no longer streams (it lost the master too).
/// Two such probes at least <see cref="GoneConfirmation"/> apart confirm it: a kill -9 pages in well under
/// a second once the monitor re-polls at once.</item>
/// <item><b>Silent</b>: the master swallows the connection and never answers (a frozen process or host,
/// a black-holed network). A server paused for a moment (SIGSTOP, a VM stun, a long fsync) looks the
/// same, so it is confirmed only after two failed probes that span at least <see cref="MinimumOutage"/>
/// from the start of the first to the end of the last: a freeze of 1.5 s or less never pages.</item>
/// </list>
/// Times come from the snapshots (when each probe started, how long it took), so the rule itself has no clock.
/// </summary>
public sealed class MasterLossRule
{
    /// <summary>A silent master pages only after an outage this long (a freeze of up to 1.5 s must not page).</summary>
    public static readonly TimeSpan MinimumOutage = TimeSpan.FromMilliseconds(1600);

    /// <summary>Two "gone" probes at least this far apart confirm a master lost.</summary>
    public static readonly TimeSpan GoneConfirmation = TimeSpan.FromMilliseconds(200);

    private readonly Dictionary<string, Outage> _outages = new(StringComparer.Ordinal);

    private sealed record Outage(DateTimeOffset FirstFailedAt, DateTimeOffset? FirstGoneAt, DateTimeOffset LastEndedAt, int Failures);

    /// <summary>Takes one snapshot (in time order) and judges every pair's master in it.</summary>
    /// <param name="startedAt">When the probes started by the caller's clock (the monitor's TimeProvider);
    /// null: the snapshot's own <see cref="ClusterSnapshot.TakenAt"/>.</param>
    public IReadOnlyDictionary<string, MasterLossVerdict> Observe(ClusterSnapshot snapshot, DateTimeOffset? startedAt = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var verdicts = new Dictionary<string, MasterLossVerdict>(StringComparer.Ordinal);
        foreach (var pair in snapshot.Pairs)
            verdicts[pair.Datanode] = Observe(pair, startedAt ?? snapshot.TakenAt);
        foreach (var gone in _outages.Keys.Where(k => !verdicts.ContainsKey(k)).ToArray())
            _outages.Remove(gone);
        return verdicts;
    }

    /// <summary>The outage of <paramref name="datanode"/>'s master so far (first failed probe to the end of the
    /// last), or null when it answers.</summary>
    public TimeSpan? OutageOf(string datanode) => _outages.GetValueOrDefault(datanode) is { } o ? o.LastEndedAt - o.FirstFailedAt : null;

    private MasterLossVerdict Observe(PairObservation pair, DateTimeOffset takenAt)
    {
        var master = pair.Master;
        if (master.Status is ProbeStatus.Ok or ProbeStatus.NotAttempted or ProbeStatus.AuthenticationFailed or ProbeStatus.NotQueryable or ProbeStatus.GtmUnavailable)
        {
            // It answered (even if only to refuse us): not lost. A password problem says nothing about the server.
            _outages.Remove(pair.Datanode);
            return MasterLossVerdict.Answering;
        }
        var ended = takenAt + master.Elapsed;
        var gone = master.Status == ProbeStatus.Unreachable || SlaveLostItsMaster(pair);
        var outage = _outages.GetValueOrDefault(pair.Datanode) is { } o
            ? o with { LastEndedAt = ended, Failures = o.Failures + 1, FirstGoneAt = o.FirstGoneAt ?? (gone ? takenAt : null) }
            : new Outage(takenAt, gone ? takenAt : null, ended, 1);
        _outages[pair.Datanode] = outage;
        if (outage.Failures < 2) return MasterLossVerdict.Suspect;
        if (gone && outage.FirstGoneAt is { } firstGone && takenAt - firstGone >= GoneConfirmation) return MasterLossVerdict.Confirmed;
        return outage.LastEndedAt - outage.FirstFailedAt >= MinimumOutage ? MasterLossVerdict.Confirmed : MasterLossVerdict.Suspect;
    }

    /// <summary>The second path: the slave answers, can say (9.6+: pg_stat_wal_receiver) and says that its WAL
    /// receiver does not stream. A frozen master keeps the receiver "streaming" until wal_receiver_timeout.</summary>
    private static bool SlaveLostItsMaster(PairObservation pair) =>
        pair.Slave is { Status: ProbeStatus.Ok, Facts: { InRecovery: true, ServerVersionNum: >= 90600 } facts }
        && facts.Standby?.WalReceiverStatus is not "streaming";
}
