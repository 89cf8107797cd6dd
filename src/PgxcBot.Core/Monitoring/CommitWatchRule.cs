using System.Globalization;
using System.Net;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Monitoring;

/// <summary>What the fast commit watch saw on one master.</summary>
public enum CommitWatchKind
{
    /// <summary>Nothing that needs a poll now.</summary>
    None,
    /// <summary>Commits wait and the slave has no streaming WAL sender on the master.</summary>
    SlaveMissing,
    /// <summary>Commits wait and the slave's WAL sender has confirmed nothing for far longer than it usually takes.</summary>
    SlaveSilent,
    /// <summary>The master stopped answering the watch (its connection broke or a sample timed out).</summary>
    MasterUnanswered,
}

/// <summary>A verdict of <see cref="CommitWatchRule"/> with the sentence for the log.</summary>
public sealed record CommitWatchVerdict(CommitWatchKind Kind, string Reason)
{
    /// <summary>For <see cref="CommitWatchKind.SlaveSilent"/>: the measured silence, which the next poll judges with
    /// (see <see cref="PairObservation.SilentSlave"/>).</summary>
    public SilentSlaveSighting? Sighting { get; init; }

    public static CommitWatchVerdict Quiet { get; } = new(CommitWatchKind.None, "");
}

/// <summary>
/// The fast path's trigger for one pair: from samples taken every few tens of milliseconds it says when
/// waiting commits meet a missing or silent slave. It decides nothing itself: a verdict only makes the
/// monitor poll at once, and that poll judges with the usual evidence rules (the async switch policy, the
/// slave's identity by address and name, the stall test across two polls). So a wrong trigger costs one
/// extra poll, never an async switch.
/// <para>
/// Silent is relative to the slave's own pace: while commits wait, a healthy slave confirms WAL (its
/// flush position or reply_time moves) at least once per round trip. The gap allowed is three times the
/// longest gap seen recently between two confirmations, and never below <see cref="SilentFloor"/>, so a
/// slave behind a slow link (hundreds of milliseconds per round trip) is not called silent. Until the watch has seen
/// the slave confirm anything while a commit waited, or confirm WAL written since the previous sample (a round trip
/// shorter than one sample apart), its pace is unknown and the least silence is <see cref="UnknownPaceFloor"/>: a
/// slave behind a 250 ms link called silent at 300 ms on its very first wait was a false async switch (CI, the
/// slow-link test).
/// </para>
/// <para>
/// It also sets the pace of the samples (<see cref="TicksToNext"/>): a master whose WAL has not moved and on which no
/// commit waited for <see cref="IdleAfterSamples"/> samples is sampled only every <see cref="IdleEvery"/> ticks, and
/// after <see cref="QuietAfterSamples"/> (ten seconds) every <see cref="QuietEvery"/> ticks, until it writes again.
/// Nothing can wait on a master nobody writes to, and the first commit after an idle second is seen at most 150 ms
/// later than otherwise, after a quiet ten seconds at most 450 ms later (50 ms ticks); a master that writes is sampled
/// at every tick. The longer pace costs little safety: a sync slave lost while its master is quiet is found by the
/// 1 s poll (its rule cannot be met: commits blocked, the async switch follows) before any commit has to wait, so the
/// watch's speed matters only for a commit in the second after such a loss. On 16 idle pairs the samples were most of
/// the bot's idle CPU (the idle benchmark after a five-minute warm-up: 2.8 % of a core with the watch, 1.3 % without,
/// at 200 ms; README "Idle cost at steady state").
/// </para>
/// </summary>
public sealed class CommitWatchRule(DatanodePair pair)
{
    /// <summary>No slave is called silent sooner than this after its last confirmation.</summary>
    public static readonly TimeSpan SilentFloor = TimeSpan.FromMilliseconds(300);

    /// <summary>No slave is called silent sooner than this while its pace is unknown (no confirmation seen yet while a
    /// commit waited, nor one of WAL written since the previous sample taken at most 100 ms before): three round trips
    /// of a third of a second, the slowest link <see cref="SilentFloor"/> allows once the pace is known. A slave frozen before the first commit waits is then acted on within about a second of
    /// that commit, which the 1 s poll's own tests would take as long to see.</summary>
    public static readonly TimeSpan UnknownPaceFloor = TimeSpan.FromSeconds(1);

    /// <summary>How many recent confirmation gaps set the pace.</summary>
    private const int PaceWindow = 32;

    /// <summary>Samples in a row without new WAL and without a waiting commit after which the master counts as idle
    /// (one second at the default 50 ms).</summary>
    public const int IdleAfterSamples = 20;

    /// <summary>An idle master is sampled at every this-many-th tick (every 200 ms at the default 50 ms).</summary>
    public const int IdleEvery = 4;

    /// <summary>Quiet samples after which the master counts as quiet: ten seconds at the default 50 ms tick (the idle
    /// second's 20 samples, then 45 taken every 200 ms).</summary>
    public const int QuietAfterSamples = IdleAfterSamples + 45;

    /// <summary>A quiet master is sampled at every this-many-th tick (every 500 ms at the default 50 ms).</summary>
    public const int QuietEvery = 10;

    /// <summary>The longest time between two samples that still bounds the slave's round trip (see <see cref="Observe"/>):
    /// a third of <see cref="SilentFloor"/>, so such a bound never raises the silence allowed above the floor.</summary>
    private static readonly TimeSpan FastBound = SilentFloor / 3;

    /// <summary>Samples taken at every tick after <see cref="Hasten"/>: five seconds at the default 50 ms, time for two
    /// polls to judge the slave's loss (the async switch waits for a second sighting) while every commit that waits in
    /// between is seen within a tick.</summary>
    public const int HastenedSamples = 100;

    private int _quietSamples;
    private int _hastened;
    private Lsn? _lastWal;
    private DateTimeOffset? _lastSampleAt;

    /// <summary>Ticks of the watch's clock to wait before the next sample: <see cref="QuietEvery"/> once the master has
    /// been idle for <see cref="QuietAfterSamples"/> samples, <see cref="IdleEvery"/> once for
    /// <see cref="IdleAfterSamples"/>, else 1. A source that does not say the master's WAL position
    /// (<see cref="CommitSample.WalPosition"/>) is never taken for idle.</summary>
    public int TicksToNext => _hastened > 0 ? 1 : _quietSamples >= QuietAfterSamples ? QuietEvery : _quietSamples >= IdleAfterSamples ? IdleEvery : 1;

    /// <summary>The slave's connection to us broke (its server ended; <see cref="Observation.IServerLink"/>): sample at
    /// every tick for the next <see cref="HastenedSamples"/> samples, however quiet the master was. The slave's WAL
    /// sender on the master may end a little after our link did, and the next commit on a quiet master would otherwise
    /// wait up to <see cref="QuietEvery"/> ticks to be seen. Says nothing about the slave: only the samples do.</summary>
    public void Hasten() => _hastened = HastenedSamples;

    private readonly Queue<TimeSpan> _gaps = new();
    private DateTimeOffset? _waitingSince;
    private DateTimeOffset? _lastProgressAt;
    private (Lsn? Flush, DateTimeOffset? Reply)? _lastSeen;

    /// <summary>The longest recent gap between two confirmations of the slave while commits waited.</summary>
    public TimeSpan Pace => _gaps.Count == 0 ? TimeSpan.Zero : _gaps.Max();

    /// <summary>How long the slave may stay silent while commits wait before a poll is asked for: three times
    /// <see cref="Pace"/>, at least <see cref="SilentFloor"/>, or <see cref="UnknownPaceFloor"/> while no pace is known.</summary>
    public TimeSpan SilentAfter => TimeSpan.FromTicks(Math.Max((_gaps.Count == 0 ? UnknownPaceFloor : SilentFloor).Ticks, Pace.Ticks * 3));

    /// <summary>Takes one sample (in time order) and says whether the monitor should poll now.</summary>
    public CommitWatchVerdict Observe(CommitSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        // One clock for every gap: the master's when the sample carries it (a rule watches one master).
        var at = sample.MasterClock ?? sample.At;
        var wrote = sample.WalPosition is not { } wal || _lastWal is not { } before || wal != before;
        var sender = SlaveSender(sample);
        // The slave confirmed WAL the master had not written at the previous sample: its round trip is shorter than the
        // time between the two. A fast slave's commits rarely wait at a sample, so this is how its pace becomes known.
        // Only while no pace is known: such a bound every 50 ms would push the real gaps of waits (a slow fsync) out of
        // the window and lower the silence allowed to the floor.
        if (_gaps.Count == 0 && sender?.FlushLsn is { } confirmed && _lastWal is { } writtenBefore && confirmed > writtenBefore
            && _lastSampleAt is { } previousSample && at - previousSample is var bound && bound > TimeSpan.Zero && bound <= FastBound)
            RememberGap(bound);
        _lastWal = sample.WalPosition;
        _lastSampleAt = at;
        if (_hastened > 0) _hastened--;
        _quietSamples = wrote || sample.Waiters > 0 ? 0 : _quietSamples + 1;
        var progress = sender is null ? ((Lsn?, DateTimeOffset?)?)null : (sender.FlushLsn, sender.ReplyTime);
        var moved = progress is not null && _lastSeen is not null && progress != _lastSeen;
        if (progress != _lastSeen && progress is not null)
        {
            // Only gaps inside a wait count: an idle slave replies every wal_receiver_status_interval (10 s).
            if (moved && _waitingSince is { } waitingSince && _lastProgressAt is { } previous)
                RememberGap(at - (previous > waitingSince ? previous : waitingSince));
            _lastProgressAt = at;
        }
        _lastSeen = progress;

        if (sample.InRecovery || sample.Waiters <= 0 || pair.Slave is null)
        {
            _waitingSince = null;
            return CommitWatchVerdict.Quiet;
        }
        _waitingSince ??= at;
        var waiting = Count(sample.Waiters);
        if (sender is null)
            return new CommitWatchVerdict(CommitWatchKind.SlaveMissing,
                $"{waiting} commit(s) wait for a synchronous standby on {pair.Name}'s master and the slave {pair.Slave.Endpoint} has no WAL sender there");
        if (sender.State != "streaming")
            return new CommitWatchVerdict(CommitWatchKind.SlaveMissing,
                $"{waiting} commit(s) wait on {pair.Name}'s master and the slave's WAL sender is {sender.State}, not streaming");

        var since = _lastProgressAt is { } last && last > _waitingSince.Value ? last : _waitingSince.Value;
        var silent = at - since;
        return silent >= SilentAfter
            ? new CommitWatchVerdict(CommitWatchKind.SlaveSilent,
                $"{waiting} commit(s) wait on {pair.Name}'s master and the slave {pair.Slave.Endpoint} has confirmed nothing for {Ms(silent)} ms (its recent pace: {Ms(Pace)} ms)")
            {
                Sighting = new SilentSlaveSighting(pair.Master.Endpoint, sample.At, sample.Waiters, silent, SilentAfter)
                {
                    LastFlush = sender.FlushLsn,
                    LastReply = sender.ReplyTime,
                },
            }
            : CommitWatchVerdict.Quiet;
    }

    private void RememberGap(TimeSpan gap)
    {
        _gaps.Enqueue(gap);
        while (_gaps.Count > PaceWindow) _gaps.Dequeue();
    }

    /// <summary>The slave's WAL sender: its application_name and, when the slave's address is an IP, its
    /// client address (any client may take the name). Null when none matches.</summary>
    private CommitWatchSender? SlaveSender(CommitSample sample)
    {
        if (pair.Slave is null) return null;
        var named = sample.Senders.Where(s => string.Equals(s.ApplicationName, pair.ApplicationName, StringComparison.OrdinalIgnoreCase));
        if (IPAddress.TryParse(pair.Slave.Address, out var ip))
            named = named.Where(s => SlaveWalSender.SameAddress(s.ClientAddress, ip));
        // Several candidates: a streaming one is enough not to call the slave missing (the poll sorts it out).
        return named.OrderBy(s => s.State == "streaming" ? 0 : 1).FirstOrDefault();
    }

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Ms(TimeSpan span) => ((long)span.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}
