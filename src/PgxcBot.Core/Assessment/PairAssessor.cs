using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Assessment;

/// <summary>
/// Judges one datanode pair from one snapshot (plus the last time its master was seen): this file holds the
/// decision a reviewer checks (which WAL sender is the slave, the pair's condition, frozen or stalled slaves,
/// blocked commits, lag, promote safety); the sentences each finding is told with are in
/// PairAssessor.Wording.cs.
/// </summary>
internal sealed partial class PairAssessor
{
    private readonly ClusterTopology _topology;
    private readonly DatanodePair _pair;
    private readonly PairObservation _observation;
    private readonly DateTimeOffset _now;
    private readonly MasterSighting? _previousSighting;
    private readonly EarlierObservation? _earlier;
    private readonly List<Problem> _problems = [];
    /// <summary>What a person must do by hand for the pair's condition, when no bot command is the answer.</summary>
    private string? _remedy;
    private NoMasterCase? _noMaster;

    private readonly ServerFacts? _master;
    private readonly ServerFacts? _slave;
    /// <summary>The slave's own WAL sender on the master, when identified (by address and name).</summary>
    private readonly ReplicationRow? _row;
    private readonly SlaveWalSender _sender;
    private readonly SyncRequirement? _requirement;

    private PairAssessor(ClusterTopology topology, DatanodePair pair, PairObservation observation, DateTimeOffset now,
        MasterSighting? previousSighting, EarlierObservation? earlier)
    {
        _earlier = earlier;
        _topology = topology;
        _pair = pair;
        _observation = observation;
        _now = now;
        _previousSighting = previousSighting;
        _master = observation.Master.Answered ? observation.Master.Facts : null;
        _slave = observation.Slave is { Answered: true } s ? s.Facts : null;
        _sender = SlaveWalSender.Find(pair, _master);
        // A WAL sender from the slave's address under another name is the slave only if the slave does not
        // say otherwise: a slave that answers without a running WAL receiver, or that does not run at all,
        // is not streaming, whoever else connects from its address.
        if (_sender.How == SlaveIdentification.OtherName && !SlaveMayBeStreaming)
            _sender = _sender with { Row = null, How = SlaveIdentification.NotConnected };
        // A WAL sender named like the slave, from its address, is still not the slave when the slave itself
        // shows it streams from nowhere (a spare or pg_receivewal on the same host took its name and place).
        if (_sender.How is SlaveIdentification.AddressAndName or SlaveIdentification.NameOnly && _sender.Row is { } claimed && SlaveSaysNotStreaming)
            _sender = _sender with { Row = null, How = SlaveIdentification.NotConnected, Others = [.. _sender.Others, claimed] };
        _row = _sender.Identified ? _sender.Row : null;
        _requirement = _master is { InRecovery: false } ? SyncRequirement.Evaluate(_master, _sender, IsHealthy) : null;
    }

    /// <summary>True only on the slave's own positive word that it receives no WAL: it answers SQL on 9.6+
    /// and pg_stat_wal_receiver has no streaming receiver, or its host shows no postmaster, or a postmaster
    /// with no WAL receiver child. A slave the bot cannot reach says nothing either way.</summary>
    private bool SlaveSaysNotStreaming
    {
        get
        {
            var probe = _observation.Slave;
            if (probe is null) return false;
            if (_slave is { InRecovery: true } facts && new Servers.ServerFeatures(facts.ServerVersionNum).WalReceiverView)
                return facts.Standby?.WalReceiverStatus != "streaming";
            return probe.Process switch
            {
                { PostmasterRunning: false } => true,
                { PostmasterRunning: true, Error: null, WalReceiver: null } => true,
                _ => false,
            };
        }
    }

    /// <summary>False when the slave itself shows it is not streaming from anywhere.</summary>
    private bool SlaveMayBeStreaming
    {
        get
        {
            var probe = _observation.Slave;
            if (probe is null) return false;
            if (_slave?.Standby is { WalReceiverStatus: { } status }) return status == "streaming";
            if (probe.Process is { PostmasterRunning: false }) return false;
            if (probe.Process?.WalReceiver is { } title) return title.State is "streaming" or "";
            return probe.Status is not ProbeStatus.Unreachable;
        }
    }

    private string Name => _pair.Name;
    private bool MasterWritable => _master is { InRecovery: false };
    private bool SlaveWritable => _slave is { InRecovery: false };

    /// <summary>A slave answers at least every wal_receiver_status_interval (10 s by default); a reply
    /// older than three of those, or three monitor intervals if longer, means the slave host is stuck.</summary>
    private TimeSpan ReplyStaleAfter => TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(30).Ticks, _topology.Monitor.Interval.Ticks * 3));

    public static PairAssessment Assess(ClusterTopology topology, DatanodePair pair, PairObservation? observation,
        DateTimeOffset now, MasterSighting? previousSighting, EarlierObservation? earlier = null)
    {
        if (observation is null)
        {
            var problem = new Problem(ProblemCodes.PairNotObserved, Severity.Warning, pair.Name,
                $"The last snapshot has no observation of {pair.Name}: the bot cannot say whether it is healthy.",
                "/pgxc status");
            return new PairAssessment(pair.Name, ObservedCondition.Unknown, Severity.Warning, null, false, [problem])
            {
                LastMasterSighting = previousSighting,
                Found = [problem],
                Slave = pair.Slave is null ? SlaveStanding.None : SlaveStanding.NotProbed,
            };
        }
        return new PairAssessor(topology, pair, observation, now, previousSighting, earlier).Run();
    }

    private PairAssessment Run()
    {
        var condition = DecideCondition();
        var lag = ComputeLag();
        var slaveInSyncNow = MasterWritable && _requirement!.SlaveNeeded;
        var sighting = MasterWritable
            ? new MasterSighting(_now, _master!.CurrentWalLsn, slaveInSyncNow, _row?.FlushLsn)
            {
                MasterFlushLsn = _master.FlushLsn,
                MasterEndpoint = _pair.Master.Endpoint,
                SyncBasis = SyncBasis(),
            }
            : _previousSighting;
        var commitsBlocked = CommitsBlocked();
        PromoteEvidence? promote = null;

        switch (condition)
        {
            case ObservedCondition.Sync:
            case ObservedCondition.Async:
                if (condition == ObservedCondition.Async) AddAsyncProblem();
                AddLagProblem(lag, condition);
                break;
            case ObservedCondition.SlaveLost:
                AddSlaveLostProblem();
                break;
            case ObservedCondition.MasterLost:
                promote = JudgePromote(sighting);
                AddMasterLostProblem(sighting, promote);
                break;
            case ObservedCondition.Promoted:
                AddPromotedProblem();
                break;
            case ObservedCondition.SplitBrain:
                AddSplitBrainProblem();
                break;
            case ObservedCondition.NoMaster:
                AddNoMasterProblem();
                break;
            case ObservedCondition.Unknown:
                AddMasterUnobservableProblem();
                break;
        }
        if (commitsBlocked) AddCommitsBlockedProblem();
        AddWalSenderProblems();
        AddXlFeedbackProblem();
        AddSlaveSideProblems(condition);

        var health = _problems.Select(p => p.Severity).DefaultIfEmpty(Severity.Ok).Max();
        var found = _problems.ToArray();
        return new PairAssessment(Name, condition, health, lag, commitsBlocked, found)
        {
            Found = found,
            Slave = Standing(),
            NoMaster = _noMaster,
            Remedy = _remedy,
            CurrentMaster = condition switch
            {
                ObservedCondition.Promoted => _pair.Slave,
                ObservedCondition.SplitBrain or ObservedCondition.NoMaster => null,
                _ => _pair.Master,
            },
            SlaveInSync = MasterWritable ? slaveInSyncNow : promote?.Safe == true,
            LastMasterSighting = sighting,
            PromoteLossBytes = promote is { Safe: false, MissingBytes: > 0 } ? promote.MissingBytes : null,
            Promote = promote,
            SyncEvidence = MasterWritable ? SyncBasis() : null,
        };
    }

    // ---- condition -------------------------------------------------------------------------------------

    private ObservedCondition DecideCondition()
    {
        // The bot could not even try (its own password is unavailable): no observation of either server.
        if (NotAttempted) return ObservedCondition.Unknown;
        if (MasterWritable && SlaveWritable) return ObservedCondition.SplitBrain;
        if (MasterWritable)
        {
            if (_pair.Slave is null) return ObservedCondition.Async;
            if (!RowStreaming) return ObservedCondition.SlaveLost;
            return _requirement!.SlaveNeeded ? ObservedCondition.Sync : ObservedCondition.Async;
        }
        if (SlaveWritable) return ObservedCondition.Promoted;
        if (_master is not null) return ObservedCondition.NoMaster; // master answered, in recovery
        if (MasterRunningButRefusesBot) return ObservedCondition.Unknown;
        if (SlaveRunning) return SlaveStreamsFromMaster ? ObservedCondition.Unknown : ObservedCondition.MasterLost;
        return ObservedCondition.NoMaster;
    }

    /// <summary>A login refused or a "not queryable" answer comes from a running server: promoting the
    /// slave then would make a second master.</summary>
    private bool MasterRunningButRefusesBot =>
        _observation.Master.Status is ProbeStatus.AuthenticationFailed or ProbeStatus.NotQueryable or ProbeStatus.GtmUnavailable;

    private bool NotAttempted =>
        _observation.Master.Status == ProbeStatus.NotAttempted || _observation.Slave?.Status == ProbeStatus.NotAttempted;

    private bool SlaveRunning => _slave is not null || _observation.Slave?.Status == ProbeStatus.NotQueryable;

    private bool SlaveStreamsFromMaster =>
        _slave?.Standby is { WalReceiverStatus: "streaming" } st && SenderIsMaster(st) != false;

    /// <summary>The slave's WAL sender streams and replies. With two senders that could each be the slave,
    /// one healthy one is enough not to call the slave lost (the ambiguity is reported on its own).</summary>
    private bool RowStreaming => _row is not null ? IsHealthy(_row)
        : _sender.How == SlaveIdentification.Ambiguous && _sender.Candidates.Any(IsHealthy);

    private bool IsHealthy(ReplicationRow row) => row.State == "streaming" && !IsFrozen(row);

    /// <summary>The WAL sender confirms nothing: its reply is stale, or it stalled from one poll to the next, or (the
    /// pair's own slave) the commit watch measured it silent while commits waited, moments ago, and commits still wait.</summary>
    private bool IsFrozen(ReplicationRow row) => (row.ReplyTime is { } reply && _now - reply > ReplyStaleAfter) || IsStalled(row)
        || (ReferenceEquals(row, _row) && Silence is not null);

    /// <summary>The commit watch's measured silence of the slave as evidence at this poll: commits still wait, and the
    /// poll's own row of the slave's WAL sender shows it has confirmed nothing since the watch saw it silent (the
    /// monitor passes only fresh sightings of this master). Null otherwise.</summary>
    private SilentSlaveSighting? Silence =>
        _observation.SilentSlave is { } silent && Waiters(_observation) > 0 && (_row is null || silent.LastsAt(_row)) ? silent : null;

    /// <summary>The poll-to-poll test that needs no clock agreement between hosts: the master had WAL the
    /// slave had not confirmed at the previous poll, and a whole poll later the slave has sent no reply
    /// at all (same reply_time, same flush position) and still not confirmed it. A live walreceiver
    /// replies as soon as it writes WAL, so this is a frozen host or a partition, which the master itself
    /// only notices at wal_sender_timeout (60 s by default) while every synchronous commit waits.</summary>
    private bool IsStalled(ReplicationRow row)
    {
        if (_earlier is not { } earlier || _now - earlier.At < MinimumStallSpan) return false;
        var before = earlier.Observation.Master.Answered ? earlier.Observation.Master.Facts : null;
        if (before is not { InRecovery: false, CurrentWalLsn: { } pendingUpTo }) return false;
        // The same WAL sender a poll earlier: same process when the server says which, else same name and client.
        var previousRow = before.Replication.FirstOrDefault(r => row.Pid is { } pid
            ? r.Pid == pid
            : string.Equals(r.ApplicationName, row.ApplicationName, StringComparison.OrdinalIgnoreCase) && r.ClientAddress == row.ClientAddress);
        if (previousRow is not { State: "streaming", FlushLsn: { } previousFlush, ReplyTime: { } previousReply }) return false;
        return previousFlush < pendingUpTo
            && row.ReplyTime == previousReply
            && row.FlushLsn is { } flush && flush == previousFlush;
    }

    /// <summary>Two snapshots closer than this say nothing about silence (a healthy slave may not have had
    /// a reason to reply yet).</summary>
    private static readonly TimeSpan MinimumStallSpan = TimeSpan.FromMilliseconds(500);

    /// <summary>Null when the slave does not say whom it follows.</summary>
    private bool? SenderIsMaster(StandbyFacts standby)
    {
        if (standby.SenderHost is not { Length: > 0 } host) return null;
        var hostMatches = HostMatches(host, _pair.Master.HostName, _pair.Master.Address);
        var portMatches = standby.SenderPort is not { } port || port == _pair.Master.Port;
        return hostMatches && portMatches;
    }

    /// <summary>How the slave stands, for the advice.</summary>
    private SlaveStanding Standing()
    {
        if (_pair.Slave is null) return SlaveStanding.None;
        if (_row is not null)
        {
            if (_row.State != "streaming") return SlaveStanding.ConnectedNotStreaming;
            return IsFrozen(_row) ? SlaveStanding.Frozen : SlaveStanding.Streaming;
        }
        if (RowStreaming) return SlaveStanding.Streaming;
        var probe = _observation.Slave;
        if (probe is null) return SlaveStanding.NotProbed;
        if (_slave?.Standby?.WalReceiverStatus == "streaming" && !MasterWritable) return SlaveStanding.Streaming;
        if (probe.Answered || probe.Status is ProbeStatus.NotQueryable or ProbeStatus.AuthenticationFailed or ProbeStatus.GtmUnavailable
            || probe.Process is { PostmasterRunning: true })
            return SlaveStanding.RunningNotConnected;
        return SlaveStanding.NotRunning;
    }

    // ---- lag -------------------------------------------------------------------------------------------

    private ReplicationLag? ComputeLag()
    {
        if (_pair.Slave is null) return null;
        var slaveLsn = _row?.ReplayLsn ?? _row?.FlushLsn ?? _slave?.Standby?.ReplayLsn;
        long? bytes = _master?.CurrentWalLsn is { } current && slaveLsn is { } replayed ? current.BytesAfter(replayed) : null;
        // replay delay grows on an idle master although nothing is missing: with zero bytes behind, no lag.
        TimeSpan? time = bytes == 0 ? TimeSpan.Zero : _row?.ReplayLag ?? _slave?.Standby?.ReplayDelay;
        return bytes is null && time is null ? null : new ReplicationLag(bytes, time);
    }


    // ---- master side -----------------------------------------------------------------------------------

    /// <summary>
    /// Commits on the master wait for more synchronous standbys than can confirm them (the rule, as
    /// PostgreSQL parses it, against the healthy WAL senders it matches), or, independently of any parse,
    /// a commit has been waiting far longer than the standbys' own latency explains.
    /// </summary>
    private bool CommitsBlocked()
    {
        if (!MasterWritable) return false;
        if (_requirement!.Unsatisfiable) return true;
        // synchronous_commit = local/off on the server, but sessions that set it on themselves wait all the same.
        if (_requirement.StandbysMissing && Waiters(_observation) > 0) return true;
        return WaitersStuck;
    }

    /// <summary>A commit has waited for a synchronous standby more than 5 s, and 5 times the slowest
    /// synchronous standby's flush lag: a slow but healthy standby keeps its commits near its flush lag,
    /// a missing one never releases them. 9.x shows no wait age; there, waiters seen at two polls in a row
    /// while no synchronous standby confirmed anything in between count.</summary>
    private bool WaitersStuck
    {
        get
        {
            // The commit watch measured it between its own samples of this master: commits waited while the slave
            // confirmed nothing for longer than its pace allows. Commits still waiting now are held by that slave.
            if (Silence is not null) return true;
            if (_master!.OldestSyncRepWait is { } oldest)
            {
                var slowest = _master.Replication.Where(r => r.SyncState is "sync" or "quorum")
                    .Select(r => r.FlushLag ?? TimeSpan.Zero).DefaultIfEmpty(TimeSpan.Zero).Max();
                var limit = TimeSpan.FromTicks(Math.Max(StuckWaitFloor.Ticks, slowest.Ticks * 5));
                return oldest > limit;
            }
            if (_master.SyncRepWaitersKnown) return false; // 9.6+ says the age when anyone waits
            var waiters = Waiters(_observation);
            if (waiters is not > 0 || _earlier is null || Waiters(_earlier.Observation) is not > 0) return false;
            var before = _earlier.Observation.Master.Facts;
            return !_master.Replication.Any(r => r.SyncState is "sync" or "quorum"
                && before?.Replication.FirstOrDefault(b => b.Pid == r.Pid) is { FlushLsn: { } was } && r.FlushLsn > was);
        }
    }

    private static readonly TimeSpan StuckWaitFloor = TimeSpan.FromSeconds(5);

    /// <summary>Commits waiting for a standby: wait_event where the server has it (9.6+), else the process titles.</summary>
    private static int? Waiters(PairObservation observation) =>
        observation.Master.Facts is { SyncRepWaitersKnown: true } facts ? facts.SyncRepWaiters : observation.Master.Process?.SyncRepWaiters;

    private PromoteEvidence JudgePromote(MasterSighting? sighting)
    {
        var (received, source) = PromoteSafety.SlaveReceived(_observation.Slave);
        return PromoteSafety.Judge(sighting, received, source, _now, PromoteSafety.MasterWalEnd(_observation.Master));
    }

    /// <summary>True when <paramref name="host"/> names the server by its config host name or its
    /// address. "localhost" and ::1 count as 127.0.0.1; other loopback addresses stay distinct because
    /// a lab may give each simulated host its own 127.x address.</summary>
    internal static bool HostMatches(string host, string hostName, string address) =>
        string.Equals(host, hostName, StringComparison.OrdinalIgnoreCase)
        || string.Equals(Normalize(host), Normalize(address), StringComparison.OrdinalIgnoreCase);

    private static string Normalize(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host == "::1" ? "127.0.0.1" : host;
}
