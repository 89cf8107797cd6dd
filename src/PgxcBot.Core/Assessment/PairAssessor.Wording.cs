using PgxcBot.Core.Observation;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Assessment;

/// <summary>The wording of <see cref="PairAssessor"/>'s findings: one builder per problem (what happened, what it
/// means, what to do next) and the command hints in them. Decides nothing: every condition it tells was
/// judged in PairAssessor.cs.</summary>
internal sealed partial class PairAssessor
{
    private string MasterAt => At(_pair.Master);
    private string SlaveAt => _pair.Slave is { } s ? At(s) : "(none configured)";

    private void AddLagProblem(ReplicationLag? lag, ObservedCondition condition)
    {
        if (lag is null || _pair.Slave is null) return;
        var monitor = _topology.Monitor;
        var critical = lag.Bytes > monitor.LagCriticalBytes || lag.Time > monitor.LagCritical;
        var warning = lag.Bytes > monitor.LagWarningBytes || lag.Time > monitor.LagWarning;
        if (!critical && !warning) return;

        var amount = DescribeLag(lag);
        var limit = critical
            ? $"{Humanize.Bytes(monitor.LagCriticalBytes)} / {Humanize.Duration(monitor.LagCritical)}"
            : $"{Humanize.Bytes(monitor.LagWarningBytes)} / {Humanize.Duration(monitor.LagWarning)}";
        var meaning = condition == ObservedCondition.Sync
            ? "commits are safe on it, but reads there are stale and a promote would first replay the backlog"
            : $"it is asynchronous, so a master failure now would lose up to {amount} of commits";
        _problems.Add(new Problem(critical ? ProblemCodes.LagCritical : ProblemCodes.LagWarning,
            critical ? Severity.Critical : Severity.Warning, Name,
            $"{Name}'s slave {SlaveAt} is {amount} behind its master {MasterAt} (limit {limit}): {meaning}.",
            $"Check disk and network on {_pair.Slave.HostName} and load on {_pair.Master.HostName}; watch it with /pgxc status"));
    }

    private static string DescribeLag(ReplicationLag lag) => (lag.Bytes, lag.Time) switch
    {
        ({ } b, { } t) => $"{Humanize.Bytes(b)} ({Humanize.Duration(t)})",
        ({ } b, null) => Humanize.Bytes(b),
        (null, { } t) => Humanize.Duration(t),
        _ => "an unknown amount",
    };

    private void AddCommitsBlockedProblem()
    {
        var requirement = _requirement!;
        var rule = requirement.Rule;
        var waiters = Waiters(_observation);
        var setting = $"synchronous_standby_names = '{rule.Raw}' on {MasterAt}";
        string why;
        if (requirement.StandbysMissing)
        {
            var streaming = requirement.Available.Count == 0 ? "none streams" : $"only {requirement.Available.Count} stream(s) ({string.Join(", ", requirement.Available.Select(r => r.ApplicationName))})";
            var notStreaming = Silence is { } silent
                ? $"which {SilenceMeasured(silent, "they")}"
                : "which is not streaming";
            why = rule.Required == 1 && _sender.How != SlaveIdentification.OtherName && _pair.Slave is not null && rule.Includes(_pair.ApplicationName)
                ? $"{setting} names {_pair.ApplicationName} (the slave {SlaveAt}), {notStreaming}"
                : $"{setting} needs {rule.Required} synchronous standby(s) ({rule.Describe()}), but {streaming}";
        }
        else
        {
            var oldest = Silence is { } silent
                ? $"the slave {SlaveAt} {SilenceMeasured(silent, "they")}"
                : _master!.OldestSyncRepWait is { } age ? $"the oldest for {Humanize.Duration(age)}" : "at two polls in a row, with no standby confirming anything";
            why = $"commits have been waiting for a synchronous standby ({oldest}) although {setting} looks satisfiable ({rule.Describe()})";
        }
        var waiting = waiters switch
        {
            null => "every commit waits (the number of waiting sessions is not known on this version)",
            0 => "the next commit will wait (none waits now)",
            1 => "every commit waits; 1 session is waiting now",
            _ => $"every commit waits; {waiters} sessions are waiting now",
        };
        // Nobody waits yet (a frozen slave and nobody writing): say that the next commit will wait, not that commits are blocked.
        var headline = waiters == 0 ? $"Commits on {Name} will block" : $"Commits are blocked on {Name}";
        _problems.Add(new Problem(ProblemCodes.CommitsBlocked, Severity.Critical, Name,
            $"{headline}: {why}, so {waiting}.",
            ""));
    }

    private void AddAsyncProblem()
    {
        if (_pair.Slave is null)
        {
            _problems.Add(new Problem(ProblemCodes.NoSlaveConfigured, Severity.Info, Name,
                $"{Name} has no slave in the configuration: if its master {MasterAt} fails, {Name} is down until it is repaired.",
                ""));
            return;
        }
        if (_sender.How is SlaveIdentification.OtherName or SlaveIdentification.Ambiguous) return; // said by AddWalSenderProblems, with its own next step
        _problems.Add(new Problem(ProblemCodes.ReplicationAsync, Severity.Info, Name,
            $"{Name} replicates asynchronously to {SlaveAt} ({_requirement!.Why}): a master failure may lose the last commits.",
            ""));
    }

    /// <summary>The slave's standing with the master's synchronous replication, with its evidence.</summary>
    private string SyncBasis()
    {
        var requirement = _requirement!;
        var positions = _row is null ? "" : $"; its WAL sender has flushed up to {_row.FlushLsn?.ToString() ?? "?"} while the master has flushed up to {(_master!.FlushLsn ?? _master.CurrentWalLsn)?.ToString() ?? "?"}";
        return $"{requirement.Why} (synchronous_commit = {_master!.SynchronousCommit}; {_sender.Describe(_pair)}{positions})";
    }

    private void AddMasterLostProblem(MasterSighting? sighting, PromoteEvidence promote)
    {
        var what = $"{Name}'s master {MasterAt} does not answer ({DescribeProbe(_observation.Master)}); the slave {SlaveAt} is read-only, so writes to rows on {Name} fail";
        var evidence = " Evidence: " + string.Join("; ", promote.Evidence) + ".";
        // What a promote would lose, said before anyone presses the button; the advice picks the command form.
        _problems.Add(new Problem(ProblemCodes.MasterUnreachable, Severity.Critical, Name,
            $"{what}. {Capitalize(promote.Summary)}.{evidence}",
            ""));
    }

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary>Replication clients that muddle which WAL sender is the slave: another name from the slave's
    /// address, clients that could each be the slave, clients that carry the slave's name from elsewhere.</summary>
    private void AddWalSenderProblems()
    {
        if (!MasterWritable || _pair.Slave is null) return;
        var rule = _requirement!.Rule;
        if (_sender.How == SlaveIdentification.OtherName && _sender.Row is { } renamed)
        {
            var waitsFor = rule.IsConfigured && !rule.Includes(renamed.ApplicationName)
                ? $", but the master waits for {_pair.ApplicationName} ({rule.Describe()}), so the slave is not its synchronous standby"
                : $", not as {_pair.ApplicationName} as configured";
            _problems.Add(new Problem(ProblemCodes.SlaveNameMismatch, Severity.Warning, Name,
                $"{Name}'s slave {SlaveAt} streams as '{renamed.ApplicationName}'{waitsFor}. The bot will not switch it to synchronous under another name.",
                FixApplicationName()));
        }
        if (_sender.How == SlaveIdentification.Ambiguous)
        {
            _problems.Add(new Problem(ProblemCodes.ReplicationClientConflict, Severity.Critical, Name,
                $"{_sender.Candidates.Count} replication clients on {MasterAt} could each be {Name}'s slave ({string.Join("; ", _sender.Candidates.Select(SlaveWalSender.DescribeRow))}): the bot cannot tell which one is, so it calls nothing in sync and no promote safe.",
                $"Stop the replication client that is not the slave (on {MasterAt}: SELECT pid, application_name, client_addr, client_port FROM pg_stat_replication), then /pgxc status {Name}"));
        }
        var impostors = _sender.Others.Where(r => r.State == "streaming").ToArray();
        if (impostors.Length > 0 && _sender.How != SlaveIdentification.Ambiguous)
        {
            var confirming = impostors.Where(r => r.SyncState is "sync" or "quorum").ToArray();
            var meaning = confirming.Length > 0
                ? $"{(confirming.Length == 1 ? "it is" : "they are")} a synchronous standby, so commits are acknowledged without the slave having them"
                : "if the slave drops out, it may become the synchronous standby in the slave's place";
            _problems.Add(new Problem(ProblemCodes.ReplicationClientConflict, confirming.Length > 0 ? Severity.Critical : Severity.Warning, Name,
                $"Another replication client on {MasterAt} calls itself {_pair.ApplicationName} but is not {Name}'s slave {SlaveAt}: {string.Join("; ", impostors.Select(SlaveWalSender.DescribeRow))}; {meaning}.",
                $"Find and stop it (on {MasterAt}: SELECT pid, application_name, client_addr, client_port FROM pg_stat_replication), then /pgxc status {Name}"));
        }
    }

    /// <summary>On Postgres-XL, a slave that sends hot_standby_feedback (the master's WAL sender holds its
    /// xmin) endangers the master: XL's cluster monitor PANICs when a local xmin precedes the GTM's global
    /// xmin, which a restarted standby's feedback does (the flavor scenario hit "Found xid (0) or xmin (563)
    /// precedes global xmin (60016)" and the master restarted under the coordinators).</summary>
    private void AddXlFeedbackProblem()
    {
        if (_topology.Flavor != Flavor.PostgresXl || !MasterWritable || _pair.Slave is not { } slave) return;
        if (_sender.Row is not { BackendXmin: { } xmin }) return;
        _problems.Add(new Problem(ProblemCodes.XlStandbyFeedback, Severity.Warning, Name,
            $"{Name}'s slave {SlaveAt} sends hot_standby_feedback (the master's WAL sender holds its xmin {xmin}). On Postgres-XL a standby's xmin can fall behind the GTM's global xmin, and the master's cluster monitor then stops with PANIC \"precedes global xmin\", restarting the master and failing queries through every coordinator.",
            $"On {slave.HostName}, set hot_standby_feedback = off in {slave.DataDir}/postgresql.conf, then {HandPgCtl.ReloadByHand(slave).Text}"));
    }

    /// <summary>How to make the slave stream under the name synchronous_standby_names expects, for its flavor.</summary>
    private string FixApplicationName()
    {
        var slave = _pair.Slave!;
        var conninfo = Servers.ConfValue.ConnInfo(("host", _pair.Master.Address), ("port", _pair.Master.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("user", _topology.Database.User), ("application_name", _pair.ApplicationName));
        var versionNum = _slave?.ServerVersionNum ?? _master?.ServerVersionNum ?? 0;
        return Servers.RecoveryConfig.UsesRecoveryConf(_topology.Flavor, versionNum)
            ? $"On {slave.HostName}, set primary_conninfo = '{conninfo}' in {slave.DataDir}/recovery.conf, then restart the slave ({RestartCommand(slave)}); then /pgxc sync {Name}"
            : $"On the slave {SlaveAt}: ALTER SYSTEM SET primary_conninfo = '{conninfo}'; SELECT pg_reload_conf(); (PostgreSQL 13+; restart it before 13), then /pgxc sync {Name}";
    }

    private void AddMasterUnobservableProblem()
    {
        if (NotAttempted)
        {
            var probe = _observation.Master.Status == ProbeStatus.NotAttempted ? _observation.Master : _observation.Slave!;
            _problems.Add(new Problem(ProblemCodes.CredentialsUnavailable, Severity.Critical, Name,
                $"{probe.Error?.TrimEnd('.') ?? "cannot authenticate"}. The bot has not contacted {Name}'s servers, so it says nothing about them: they may be fine or down, and nothing is stored or acted on until it can look again.",
                "Make the database password available to the bot (see the message above), then /pgxc status"));
            return;
        }
        var streams = SlaveStreamsFromMaster ? $", while the slave {SlaveAt} still streams from it" : "";
        _remedy = _observation.Master.Status == ProbeStatus.AuthenticationFailed
            ? $"Check the bot's database user and password on {MasterAt}, then /pgxc status"
            : $"Check {MasterAt} (its log says why it refuses queries), then /pgxc status";
        _problems.Add(new Problem(ProblemCodes.MasterUnobservable, Severity.Critical, Name,
            $"{Name}'s master {MasterAt} is running but refuses the bot ({DescribeProbe(_observation.Master)}){streams}: the bot cannot judge {Name}, and promoting the slave would make a second master.",
            ""));
    }

    private void AddPromotedProblem()
    {
        var master = _master is not null ? "is in recovery" : $"does not answer ({DescribeProbe(_observation.Master)})";
        _problems.Add(new Problem(ProblemCodes.SlavePromoted, Severity.Warning, Name,
            $"{Name}'s slave {SlaveAt} accepts writes and the configured master {MasterAt} {master}: the slave was promoted, so every coordinator must route {Name} to {SlaveAt} and the old master must be rebuilt as the new slave.",
            ""));
    }

    private void AddSplitBrainProblem()
    {
        var (stale, staleLocation) = (_master!.Timeline, _slave!.Timeline) switch
        {
            ({ } m, { } s) when s > m => (MasterAt, _pair.Master),
            ({ } m, { } s) when m > s => (SlaveAt, _pair.Slave!),
            _ => ((string?)null, (ServerLocation?)null),
        };
        _remedy = stale is null
            ? "Stop at once the one of the two that the coordinators do not route to, then /pgxc status"
            : $"Stop {stale} now ({StopCommand(staleLocation!)}) so that only one server takes writes, then /pgxc status";
        var why = stale is null ? "" : $" {stale} is on the older timeline, so it is the stale one.";
        _problems.Add(new Problem(ProblemCodes.SplitBrain, Severity.Critical, Name,
            $"Split brain on {Name}: both {MasterAt} and {SlaveAt} accept writes, so commits can land on either and diverge.{why}",
            ""));
    }

    private void AddNoMasterProblem()
    {
        if (_master is not null && _slave is not null)
        {
            var masterLsn = _master.Standby?.ReceiveLsn ?? _master.Standby?.ReplayLsn;
            var slaveLsn = _slave.Standby?.ReceiveLsn ?? _slave.Standby?.ReplayLsn;
            _noMaster = NoMasterCase.BothInRecovery;
            _remedy = masterLsn is { } m && slaveLsn is { } s && m > s
                ? $"{MasterAt} has more WAL ({m} vs {s}): promote it by hand ({PromoteCommand(_pair.Master)}), then /pgxc status"
                : null;
            _problems.Add(new Problem(ProblemCodes.NoMaster, Severity.Critical, Name,
                $"Both servers of {Name} ({MasterAt} and {SlaveAt}) are in recovery: nothing takes writes, so writes to rows on {Name} fail.",
                ""));
            return;
        }
        if (_master is not null)
        {
            _noMaster = NoMasterCase.MasterInRecoverySlaveDown;
            _remedy = $"Start the slave on {_pair.Slave?.HostName ?? "its host"} or promote {MasterAt} by hand ({PromoteCommand(_pair.Master)}), then /pgxc status";
            _problems.Add(new Problem(ProblemCodes.NoMaster, Severity.Critical, Name,
                $"{Name}'s master {MasterAt} is in recovery (read-only) and the slave {SlaveAt} does not answer ({DescribeProbe(_observation.Slave)}): nothing takes writes on {Name}.",
                ""));
            return;
        }
        _noMaster = NoMasterCase.BothDown;
        _problems.Add(new Problem(ProblemCodes.NoMaster, Severity.Critical, Name,
            $"Neither {MasterAt} ({DescribeProbe(_observation.Master)}) nor {SlaveAt} ({DescribeProbe(_observation.Slave)}) answers: {Name} is down and rows on it can be neither read nor written.",
            ""));
    }

    // ---- slave side ------------------------------------------------------------------------------------

    private void AddSlaveLostProblem()
    {
        var slave = _pair.Slave!;
        var probe = _observation.Slave;
        string what;
        var code = ProblemCodes.SlaveNotStreaming;
        if (_row is not null && _row.State == "streaming" && IsFrozen(_row))
        {
            code = ProblemCodes.SlaveFrozen;
            var silence = Silence is { } silent
                ? $"the slave {SilenceMeasured(silent, $"{silent.Waiters} commit(s)")}"
                : $"the slave has confirmed no WAL since {_row.ReplyTime!.Value:HH:mm:ss.f} UTC ({Humanize.Duration(_now - _row.ReplyTime!.Value)} ago){StalledWaiters()}";
            what = $"the master still lists {SlaveAt} as streaming, but {silence}: the slave host looks frozen or cut off";
        }
        else if (_row is not null)
            what = $"{SlaveAt} is connected but in state '{_row.State}', not streaming";
        else if (probe is null)
            what = $"{SlaveAt} was not probed and is not connected to the master";
        else if (probe.Answered)
            what = $"{SlaveAt} runs but is not connected to the master (WAL receiver: {_slave?.Standby?.WalReceiverStatus ?? "not running"})";
        else if (probe.Status == ProbeStatus.NotQueryable)
            what = $"{SlaveAt} is running but is not connected to the master";
        else
            what = $"{SlaveAt} does not answer ({DescribeProbe(probe)}) and is not connected to the master";

        // With commits blocked, the commits-blocked problem carries "/pgxc async"; this one says how to
        // get the slave back, which is the step after that. A slave that does not run is started by the bot
        // (the advice); what else keeps it from streaming only a person on its host can see.
        if (code == ProblemCodes.SlaveFrozen || _row is not null)
            _remedy = $"Check {slave.HostName} (load, disk, network), then /pgxc status";
        else if (probe is not null && (probe.Answered || probe.Status == ProbeStatus.NotQueryable))
            _remedy = $"Read the slave's log on {slave.HostName} ({slave.DataDir}): if it cannot follow the master (e.g. \"requested WAL segment has already been removed\"), rebuild it with /pgxc rebuild {Name}";
        _problems.Add(new Problem(code, Severity.Warning, Name,
            $"{Name}'s slave is not streaming: {what}. {Name} has no standby now, so a master failure would take it down.",
            ""));
    }

    /// <summary>The commit watch's measurement as evidence: "confirmed nothing for 0.4 s while {waiting} waited, ...".</summary>
    private static string SilenceMeasured(SilentSlaveSighting silent, string waiting) =>
        $"confirmed nothing for {Humanize.Duration(silent.SilentFor)} while {waiting} waited, more than the {Humanize.Duration(silent.SilentAfter)} its own pace allows " +
        $"(the commit watch's samples of the master, the last at {silent.At:HH:mm:ss.fff} UTC)";

    private string StalledWaiters() => _master?.SyncRepWaiters is > 0 and var n ? $", while {n} commit(s) wait for it" : "";

    private void AddSlaveSideProblems(ObservedCondition condition)
    {
        if (_pair.Slave is null || _observation.Slave is null || NotAttempted) return;
        var probe = _observation.Slave;

        if (probe.Status == ProbeStatus.NotQueryable)
        {
            var judged = RowStreaming ? "it streams, as the master's pg_stat_replication shows" : "the bot judges it only through the master";
            _problems.Add(new Problem(ProblemCodes.SlaveNotQueryable, Severity.Info, Name,
                $"{Name}'s slave {SlaveAt} is running but not queryable ({probe.Error ?? "refuses queries"}); {judged}.",
                "To query it directly, set global_snapshot_source = 'coordinator' in the slave's postgresql.conf and restart it"));
        }
        else if (!probe.Answered && RowStreaming)
        {
            _problems.Add(new Problem(ProblemCodes.SlaveUnobservable, Severity.Info, Name,
                $"The bot cannot query {Name}'s slave {SlaveAt} ({DescribeProbe(probe)}), but the master sees it streaming.",
                $"Check the bot's access to {SlaveAt}"));
        }

        if (_master?.SystemIdentifier is { } masterId && _slave?.SystemIdentifier is { } slaveId && masterId != slaveId)
        {
            _problems.Add(new Problem(ProblemCodes.SystemIdentifierMismatch, Severity.Critical, Name,
                $"{SlaveAt} is not a copy of {Name}'s master {MasterAt}: their system identifiers differ ({slaveId} vs {masterId}), so promoting it would bring up a different database.",
                $"Rebuild the slave from {MasterAt} with pg_basebackup before relying on it"));
        }

        if (condition is not (ObservedCondition.Promoted or ObservedCondition.SplitBrain)
            && _slave?.Standby is { } standby && SenderIsMaster(standby) == false)
        {
            var sender = standby.SenderPort is { } p ? $"{standby.SenderHost}:{p}" : standby.SenderHost;
            _problems.Add(new Problem(ProblemCodes.SlaveFollowsOtherHost, Severity.Critical, Name,
                $"{Name}'s slave {SlaveAt} streams from {sender}, not from its master {MasterAt}: it is not a standby of this master and must not be promoted for {Name}.",
                $"Set primary_conninfo on the slave to host={_pair.Master.Address} port={_pair.Master.Port} and restart it, then /pgxc status"));
        }
    }

    // ---- wording ---------------------------------------------------------------------------------------

    private static string At(ServerLocation location) => $"{location.HostName}:{location.Port}";

    private static string DescribeProbe(ServerProbe? probe)
    {
        if (probe is null) return "not probed";
        var status = probe.Status switch
        {
            ProbeStatus.Ok => "answered",
            ProbeStatus.Unreachable => "connection refused",
            ProbeStatus.Timeout => $"no answer within {Humanize.Duration(probe.Elapsed)}",
            ProbeStatus.NotQueryable => "running but not queryable",
            ProbeStatus.AuthenticationFailed => "login refused",
            ProbeStatus.GtmUnavailable => "running, but cannot reach the GTM",
            ProbeStatus.NotAttempted => "not contacted",
            _ => "error",
        };
        if (probe.Error is not { Length: > 0 } error || probe.Status is ProbeStatus.Timeout or ProbeStatus.Unreachable)
            return status;
        return $"{status}: {(error.Length > 160 ? error[..160] + "…" : error)}";
    }

    // Commands a person types on the server's host, rendered by PgCtl: the flavor's options (-Z datanode) live there only.
    private PgCtl HandPgCtl => new(_topology.Flavor);
    private string RestartCommand(ServerLocation l) => HandPgCtl.RestartByHand(l, StopMode.Fast).Text;
    private string StopCommand(ServerLocation l) => $"{HandPgCtl.StopByHand(l, StopMode.Fast).Text} on {l.HostName}";
    private string PromoteCommand(ServerLocation l) => $"{HandPgCtl.PromoteByHand(l).Text} on {l.HostName}";
}
