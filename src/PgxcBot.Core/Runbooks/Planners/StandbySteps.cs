using System.Globalization;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Runbooks.Planners;

/// <summary>Who follows whom in a standby runbook: <see cref="Slave"/> is (re)built to stream from <see cref="Master"/>.</summary>
internal sealed record StandbyContext(ClusterTopology Topology, DatanodePair Pair, ServerLocation Master, ServerLocation Slave, int VersionNum)
{
    public SqlTarget MasterTarget => new($"{Pair.Name} master", Master.Address, Master.Port);
    public SqlTarget SlaveTarget => new($"{Pair.Name} slave", Slave.Address, Slave.Port);
    public string MasterWhere => Targets.Where(Master, $"{Pair.Name} master");
    public string SlaveWhere => Targets.Where(Slave, $"{Pair.Name} slave");
    public PgCtl MasterPgCtl => Targets.PgCtl(Topology, Master);
    public PgCtl SlavePgCtl => Targets.PgCtl(Topology, Slave);
    public PgTools SlaveTools => new(Topology.FindHost(Slave.HostName)?.PgBinDir);
    public PgTools MasterTools => new(Topology.FindHost(Master.HostName)?.PgBinDir);
    public string User => Topology.Database.User;
}

/// <summary>
/// The steps runbook steps 1-6 are made of, shared by add-slave, rebuild and switchover. Every step
/// says how to tell it is already done (DoneWhen), so a second run, or a resume, changes nothing that is
/// already right; config files are rewritten whole or appended to only when the exact line is missing.
/// </summary>
internal static class StandbySteps
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ServerStart = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Copy = TimeSpan.FromHours(2);
    private const int DefaultWalSenders = 10;

    /// <summary>The slave streams from the master (pg_stat_replication on the master, by application_name).</summary>
    public static SqlProbe Streaming(StandbyContext c) =>
        new($"{c.Pair.ApplicationName} streams from the master {c.Master.Endpoint}", c.MasterTarget,
            $"SELECT state FROM pg_stat_replication WHERE application_name = {SqlText.Literal(c.Pair.ApplicationName)}", "streaming");

    /// <summary>The slave runs as a standby. A stock Postgres-XL standby refuses every SQL connection
    /// ("Was unable to obtain a snapshot from GTM"), so there pg_ctl status and pg_controldata say it.</summary>
    public static Probe IsStandby(StandbyContext c) => c.Topology.Flavor == Flavor.PostgresXl
        ? new AllOf($"the slave at {c.Slave.Endpoint} runs in recovery (a standby)",
            [
                new CommandProbe($"a server runs in {c.Slave.DataDir}", c.Slave.HostName, c.SlavePgCtl.Status(c.Slave), [0]),
                new CommandProbe("pg_controldata says in archive recovery", c.Slave.HostName, c.SlaveTools.InArchiveRecovery(c.Slave.DataDir), [0]),
            ])
        : new SqlProbe($"the slave at {c.Slave.Endpoint} runs in recovery (a standby)", c.SlaveTarget, "SELECT pg_is_in_recovery()", "t");

    /// <summary>
    /// Postgres-XL only: waits until no process of an earlier server remains in <paramref name="server"/>'s
    /// data directory before it is started (a killed XL postmaster's pooler holds the shared memory for
    /// 20-30 s and pg_ctl start fails meanwhile). Other flavors' children exit with their postmaster.
    /// </summary>
    public static IEnumerable<RunbookStep> WaitForOldProcesses(ClusterTopology topology, ServerLocation server, string where, string id, Probe startedAlready)
    {
        if (topology.Flavor != Flavor.PostgresXl) yield break;
        var gone = new CommandProbe($"no process of an earlier server runs in {server.DataDir}", server.HostName, PgTools.NoProcessIn(server.DataDir), [0]);
        yield return new RunbookStep(id, $"Wait until no process of an earlier server remains in {server.DataDir} (a killed XL server's pooler lingers)", where,
            new WaitOnly("no process left in the data directory"), gone, DoneWhen: startedAlready, TimeSpan.FromSeconds(60), Rerunnable: true);
    }

    public static SqlProbe IsWritableMaster(SqlTarget target, string endpoint) =>
        new($"{endpoint} runs and accepts writes", target, "SELECT pg_is_in_recovery()", "f");

    public static CommandProbe Stopped(string hostName, PgCtl pgCtl, ServerLocation server) =>
        new($"no server runs in {server.DataDir}", hostName, pgCtl.Status(server), [3, 4]);

    /// <summary>
    /// Runbook steps 1-2 on the master: replication settings (wal_level, max_wal_senders, archiving when the
    /// pair has an archive directory), a restart when one of them needs it, the pg_hba line for the slave's
    /// address (once), and a reload.
    /// </summary>
    public static IEnumerable<RunbookStep> PrepareMaster(StandbyContext c, MasterSettings live, List<string> warnings) =>
        Settings(c, live, warnings).Concat(AllowSlave(c, Live(c, Wanted(c, live).Wanted)));

    /// <summary>Only the pg_hba line and reload: for a master whose settings are known to be right (a promoted copy of one).</summary>
    public static IEnumerable<RunbookStep> AllowSlave(StandbyContext c) => AllowSlave(c, null);

    private static (Dictionary<string, string> Wanted, List<string> RestartFor) Wanted(StandbyContext c, MasterSettings live)
    {
        var wanted = new Dictionary<string, string>(StringComparer.Ordinal);
        var restartFor = new List<string>();
        var walLevel = WalSql.StandbyCapableWalLevels.Contains(live.WalLevel) ? live.WalLevel : WalSql.StandbyWalLevel(c.VersionNum);
        wanted["wal_level"] = walLevel;
        if (walLevel != live.WalLevel) restartFor.Add($"wal_level {live.WalLevel} → {walLevel}");
        var senders = live.MaxWalSenders >= 2 ? live.MaxWalSenders : DefaultWalSenders;
        wanted["max_wal_senders"] = senders.ToString(CultureInfo.InvariantCulture);
        if (senders != live.MaxWalSenders) restartFor.Add($"max_wal_senders {live.MaxWalSenders} → {senders}");

        if (c.Pair.ArchiveDir is { } archive)
        {
            var mode = live.ArchiveMode is "on" or "always" ? live.ArchiveMode : "on";
            wanted["archive_mode"] = mode;
            if (mode != live.ArchiveMode) restartFor.Add($"archive_mode {live.ArchiveMode} → {mode}");
            wanted["archive_command"] = ArchiveCommand(c, archive);
        }
        return (wanted, restartFor);
    }

    private static SqlProbe Live(StandbyContext c, IReadOnlyDictionary<string, string> wanted) => LiveSettingsAre(c, wanted);

    private static IEnumerable<RunbookStep> Settings(StandbyContext c, MasterSettings live, List<string> warnings)
    {
        var (wanted, restartFor) = Wanted(c, live);
        if (c.Pair.ArchiveDir is { } archive)
        {
            yield return new RunbookStep("archive-dir", $"Create the WAL archive directory on {c.Slave.HostName}", Targets.Where(c.Slave, "WAL archive"),
                new RunCommand(c.Slave.HostName, ShellCommand.Of("mkdir", "-p", archive), [0]),
                new CommandProbe($"{archive} exists", c.Slave.HostName, ShellCommand.Of("test", "-d", archive), [0]),
                DoneWhen: new CommandProbe($"{archive} exists", c.Slave.HostName, ShellCommand.Of("test", "-d", archive), [0]),
                Short, Rerunnable: true, Attempts: 2);
        }

        var live_ = LiveSettingsAre(c, wanted);
        if (c.Topology.Flavor == Flavor.PostgresXc)
        {
            // No ALTER SYSTEM before 9.4: the master's own include file, rewritten whole.
            var settings = new Dictionary<string, string>(wanted, StringComparer.Ordinal) { ["port"] = SqlText.Port(c.Master.Port) };
            var file = ManagedConfig.Path(c.Master.DataDir, ServerFiles.ServerConf);
            var content = ManagedConfig.Render(settings);
            yield return IncludeStep(c.Master, c.MasterWhere, "master-include-server-conf");
            yield return new RunbookStep("master-replication-settings", $"Set the master's replication settings (in {ServerFiles.ServerConf})", c.MasterWhere,
                new RunCommand(c.Master.HostName, ManagedConfig.WriteFile(file, content), [0]),
                new CommandProbe($"{file} holds the settings", c.Master.HostName, ManagedConfig.HasContent(file, content), [0]),
                DoneWhen: live_, Short, Rerunnable: true, Attempts: 2, Undo: $"restore the previous {file}, reload");
        }
        else
        {
            var statements = wanted.OrderBy(w => w.Key, StringComparer.Ordinal)
                .Select(w => $"ALTER SYSTEM SET {w.Key} = {SqlText.Literal(w.Value)}").ToList();
            statements.Add("SELECT pg_reload_conf()");
            yield return new RunbookStep("master-replication-settings", "Set the master's replication settings (ALTER SYSTEM, reload)", c.MasterWhere,
                new RunSql(c.MasterTarget, statements), FileSettingsAre(c, wanted), DoneWhen: live_, Short, Rerunnable: true, Attempts: 2,
                Undo: "ALTER SYSTEM RESET each setting, then reload (and restart for wal_level)");
        }

        if (restartFor.Count > 0)
        {
            warnings.Add($"the master {c.Master.Endpoint} must be restarted ({string.Join(", ", restartFor)} only take effect at a restart): " +
                         "its sessions are disconnected and it refuses connections for a few seconds. Approving this plan approves the restart.");
            var ready = new AllOf("the master runs with the new settings and accepts writes",
                [live_, IsWritableMaster(c.MasterTarget, c.Master.Endpoint)]);
            yield return new RunbookStep("restart-master", $"Restart the master on {c.Master.HostName} (fast) so the settings take effect", c.MasterWhere,
                new RunCommand(c.Master.HostName, c.MasterPgCtl.Restart(c.Master, StopMode.Fast, ServerFiles.StartLog(c.Master)), [0]),
                ready, DoneWhen: live_, ServerStart, Rerunnable: true, Attempts: 2,
                Undo: "none needed: the master runs with the settings it had plus replication enabled");
        }
    }

    private static IEnumerable<RunbookStep> AllowSlave(StandbyContext c, SqlProbe? live_)
    {
        var hbaFile = ManagedConfig.Path(c.Master.DataDir, "pg_hba.conf");
        var line = PgTools.HbaReplicationLine(c.User, c.Slave.Address);
        var hasLine = new CommandProbe($"pg_hba.conf has \"{line}\"", c.Master.HostName, ManagedConfig.HasLine(hbaFile, line), [0]);
        yield return new RunbookStep("master-hba", $"Allow replication connections from {c.Slave.Address} (pg_hba.conf, once)", c.MasterWhere,
            new RunCommand(c.Master.HostName, ManagedConfig.AppendLineOnce(hbaFile, line), [0]), hasLine, DoneWhen: hasLine,
            Short, Rerunnable: true, Attempts: 2, Undo: $"remove the line \"{line}\" from {hbaFile}, reload");
        yield return new RunbookStep("master-reload", "Reload the master's configuration", c.MasterWhere,
            new RunSql(c.MasterTarget, ["SELECT pg_reload_conf()"]), Verify: null,
            DoneWhen: live_ is null ? Streaming(c) : new AllOf("the slave already streams with these settings", [Streaming(c), live_]),
            Short, Rerunnable: true, Attempts: 2);
    }

    /// <summary>Runbook step 3: an empty 0700 directory (moving an old one aside when asked), then pg_basebackup.</summary>
    public static IEnumerable<RunbookStep> BaseBackup(StandbyContext c, bool moveAside)
    {
        var pgVersion = ManagedConfig.Path(c.Slave.DataDir, "PG_VERSION");
        var copied = new CommandProbe($"{pgVersion} exists (a base backup is in place)", c.Slave.HostName, ShellCommand.Of("test", "-f", pgVersion), [0]);
        yield return new RunbookStep("prepare-slave-dir",
            moveAside ? $"Move the old data in {c.Slave.DataDir} aside (renamed, not deleted) and create an empty directory"
                      : $"Create the empty data directory {c.Slave.DataDir} (mode 0700)",
            c.SlaveWhere, new RunCommand(c.Slave.HostName, c.SlaveTools.PrepareEmptyDir(c.Slave.DataDir, moveAside), [0]),
            new CommandProbe($"{c.Slave.DataDir} is an empty directory", c.Slave.HostName, PgTools.IsEmptyDir(c.Slave.DataDir), [0]),
            DoneWhen: new AllOf("the slave already streams", [Streaming(c)]),
            Short, Rerunnable: true, Attempts: 1,
            Undo: moveAside ? $"the old data is in {c.Slave.DataDir}{PgTools.MovedAsideSuffix}<time>: move it back when the slave is not needed" : null);
        yield return new RunbookStep("base-backup", $"Copy the master's data to {c.Slave.HostName} (pg_basebackup, streaming WAL)", c.SlaveWhere,
            new RunCommand(c.Slave.HostName, c.SlaveTools.BaseBackup(c.Master, c.User, c.Slave.DataDir), [0]), copied, DoneWhen: copied,
            Copy, Rerunnable: true, Attempts: 1,
            Undo: $"empty {c.Slave.DataDir} again (the copy arrives whole or not at all)");
    }

    /// <summary>
    /// pg_rewind of a stopped old master onto the master's timeline (the old master's own data stays). A
    /// CHECKPOINT on the master first: pg_rewind reads the source's timeline from its control file, which
    /// a freshly promoted server updates only at its next checkpoint; without it pg_rewind sees "the same
    /// timeline", reports "no rewind required", and the old master then cannot follow.
    /// </summary>
    public static IEnumerable<RunbookStep> Rewind(StandbyContext c)
    {
        yield return new RunbookStep("checkpoint-master", "Checkpoint the master so its control file shows its new timeline", c.MasterWhere,
            new RunSql(c.MasterTarget, ["CHECKPOINT"]), Verify: null, DoneWhen: null, TimeSpan.FromMinutes(10), Rerunnable: true, Attempts: 2);
        yield return RewindStep(c);
    }

    private static RunbookStep RewindStep(StandbyContext c)
    {
        var source = ConfValue.ConnInfo(("host", c.Master.Address), ("port", SqlText.Port(c.Master.Port)), ("user", c.User),
            ("dbname", c.Topology.Database.Database));
        return new RunbookStep("rewind-old-master", $"Rewind the old master's data onto the new master's timeline (pg_rewind)", c.SlaveWhere,
            new RunCommand(c.Slave.HostName, c.SlaveTools.Rewind(c.Slave.DataDir, source), [0]), Verify: null, DoneWhen: null,
            Copy, Rerunnable: true, Attempts: 1,
            Undo: $"if pg_rewind fails, rebuild from a fresh copy instead: /pgxc rebuild {c.Pair.Name} --base-backup");
    }

    /// <summary>
    /// Runbook steps 4-5: forget any master the copied files name, write the recovery settings per flavor
    /// (recovery.conf, or standby.signal plus the server's include file on 12+), the slave's port and
    /// hot_standby, start it and wait until it streams (asynchronously at first).
    /// </summary>
    public static IEnumerable<RunbookStep> FollowMaster(StandbyContext c, MasterSettings? replicationSettings)
    {
        if (!RecoveryConfig.UsesRecoveryConf(c.Topology.Flavor, c.VersionNum))
        {
            var clean = new CommandProbe("postgresql.auto.conf names no master to follow", c.Slave.HostName, PgTools.HasFollowSettings(c.Slave.DataDir), [1, 2]);
            yield return new RunbookStep("forget-copied-master", "Remove follow settings copied from the master's postgresql.auto.conf", c.SlaveWhere,
                new RunCommand(c.Slave.HostName, PgTools.StripFollowSettings(c.Slave.DataDir), [0]), clean, DoneWhen: clean,
                Short, Rerunnable: true, Attempts: 2);
        }

        var recovery = RecoveryConfig.Settings(c.Master, c.User, c.Pair.ApplicationName, c.Pair.ArchiveDir);
        var server = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["port"] = SqlText.Port(c.Slave.Port),
            ["hot_standby"] = "on",
        };
        // Every Postgres-XL server runs its own pooler; the copied postgresql.conf carries the master's port.
        if (c.Topology.Flavor == Flavor.PostgresXl && c.Slave.PoolerPort is { } pooler) server["pooler_port"] = SqlText.Port(pooler);
        if (c.Topology.Flavor == Flavor.PostgresXc && replicationSettings is not null)
        {
            // The slave's own file replaces the master's copy: keep what it needs to serve a slave once promoted.
            server["wal_level"] = WalSql.StandbyCapableWalLevels.Contains(replicationSettings.WalLevel) ? replicationSettings.WalLevel : WalSql.StandbyWalLevel(c.VersionNum);
            server["max_wal_senders"] = Math.Max(replicationSettings.MaxWalSenders, DefaultWalSenders).ToString(CultureInfo.InvariantCulture);
        }
        foreach (var file in RecoveryConfig.Files(c.Topology.Flavor, c.VersionNum, c.Slave.DataDir, recovery, server, ServerFiles.ServerConf))
        {
            var name = file.Path[(file.Path.LastIndexOf('/') + 1)..];
            var same = new CommandProbe($"{name} is as planned", c.Slave.HostName, ManagedConfig.HasContent(file.Path, file.Content), [0]);
            yield return new RunbookStep($"write-{name.Replace('.', '-')}",
                name switch
                {
                    "standby.signal" => "Mark the data directory as a standby (standby.signal)",
                    "recovery.conf" => $"Write recovery.conf (follow {c.Master.Endpoint} as {c.Pair.ApplicationName})",
                    _ => $"Write the slave's settings (port {c.Slave.Port}, hot_standby{(file.Content.Contains("primary_conninfo", StringComparison.Ordinal) ? $", follow {c.Master.Endpoint} as {c.Pair.ApplicationName}" : "")})",
                },
                c.SlaveWhere, new RunCommand(c.Slave.HostName, ManagedConfig.WriteFile(file.Path, file.Content), [0]), same, DoneWhen: same,
                Short, Rerunnable: true, Attempts: 2);
        }
        yield return IncludeStep(c.Slave, c.SlaveWhere, "include-server-conf");

        var standby = IsStandby(c);
        foreach (var wait in WaitForOldProcesses(c.Topology, c.Slave, c.SlaveWhere, "wait-old-slave-processes", standby)) yield return wait;
        yield return new RunbookStep("start-slave", $"Start the slave on {c.Slave.HostName}", c.SlaveWhere,
            new RunCommand(c.Slave.HostName, c.SlavePgCtl.Start(c.Slave, ServerFiles.StartLog(c.Slave)), [0]), standby, DoneWhen: standby,
            ServerStart, Rerunnable: true, Attempts: 2, Undo: $"pg_ctl stop -m fast -D {c.Slave.DataDir}");
        var streaming = Streaming(c);
        yield return new RunbookStep("wait-streaming", $"Wait until the slave streams from the master (asynchronous so far)", c.MasterWhere,
            new WaitOnly($"{c.Pair.ApplicationName} in the master's pg_stat_replication, state streaming"), streaming, DoneWhen: streaming,
            TimeSpan.FromMinutes(2), Rerunnable: true);
    }

    /// <summary>Runbook step 6: the slave becomes the synchronous standby, once it has caught up.</summary>
    public static IEnumerable<RunbookStep> MakeSync(StandbyContext c)
    {
        var v = c.VersionNum;
        var caughtUp = new SqlProbe($"{c.Pair.ApplicationName} streams and is within {c.Topology.Monitor.LagWarningBytes} bytes of the master", c.MasterTarget,
            $"SELECT state, {WalSql.LsnDiff(v, WalSql.CurrentLsn(v), WalSql.FlushColumn(v))} <= {c.Topology.Monitor.LagWarningBytes.ToString(CultureInfo.InvariantCulture)} " +
            $"FROM pg_stat_replication WHERE application_name = {SqlText.Literal(c.Pair.ApplicationName)}", "streaming|t");
        var inSync = InSync(c);
        yield return new RunbookStep("wait-caught-up", "Wait until the slave has caught up (so commits do not wait for it to catch up)", c.MasterWhere,
            new WaitOnly("the slave's flushed position near the master's"), caughtUp, DoneWhen: inSync, TimeSpan.FromMinutes(10), Rerunnable: true);
        foreach (var step in SyncSettingSteps.Set(c.Topology, c.Pair, c.Master, c.Pair.ApplicationName, "set-sync",
                     $"Make {c.Pair.ApplicationName} the synchronous standby (synchronous_commit on)", inSync))
            yield return step;
    }

    public static SqlProbe InSync(StandbyContext c) =>
        new($"{c.Pair.ApplicationName} is the synchronous standby (sync_state = sync)", c.MasterTarget,
            $"SELECT sync_state FROM pg_stat_replication WHERE application_name = {SqlText.Literal(c.Pair.ApplicationName)}", "sync");

    private static RunbookStep IncludeStep(ServerLocation server, string where, string id)
    {
        var conf = ManagedConfig.Path(server.DataDir, "postgresql.conf");
        var line = ManagedConfig.IncludeLineFor(ServerFiles.ServerConf);
        var included = new CommandProbe($"postgresql.conf includes {ServerFiles.ServerConf}", server.HostName, ManagedConfig.HasLine(conf, line), [0]);
        return new RunbookStep(id, $"Include {ServerFiles.ServerConf} from postgresql.conf (once)", where,
            new RunCommand(server.HostName, ManagedConfig.EnsureIncluded(server.DataDir, ServerFiles.ServerConf), [0]), included, DoneWhen: included,
            Short, Rerunnable: true, Attempts: 2);
    }

    /// <summary>pg_settings (live values) already hold every wanted value.</summary>
    private static SqlProbe LiveSettingsAre(StandbyContext c, IReadOnlyDictionary<string, string> wanted) =>
        new($"the master runs with {Describe(wanted)}", c.MasterTarget,
            $"SELECT count(*) FROM pg_settings WHERE {Matches(wanted)}", wanted.Count.ToString(CultureInfo.InvariantCulture));

    /// <summary>The configuration files (last entry per name) hold every wanted value: what a reload or restart will apply.</summary>
    private static SqlProbe FileSettingsAre(StandbyContext c, IReadOnlyDictionary<string, string> wanted) =>
        new($"the master's configuration files say {Describe(wanted)}", c.MasterTarget,
            "SELECT count(*) FROM (SELECT DISTINCT ON (name) name, setting FROM pg_file_settings " +
            $"WHERE name IN ({string.Join(", ", wanted.Keys.Order(StringComparer.Ordinal).Select(SqlText.Literal))}) ORDER BY name, seqno DESC) s WHERE {Matches(wanted)}",
            wanted.Count.ToString(CultureInfo.InvariantCulture));

    private static string Matches(IReadOnlyDictionary<string, string> wanted) =>
        string.Join(" OR ", wanted.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => $"(name = {SqlText.Literal(w.Key)} AND setting = {SqlText.Literal(w.Value)})"));

    private static string Describe(IReadOnlyDictionary<string, string> wanted) =>
        string.Join(", ", wanted.Where(w => w.Key != "archive_command").OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => $"{w.Key}={w.Value}"));

    /// <summary>
    /// Copies each finished WAL file to the archive on the slave's host, never overwriting one already
    /// there (the PostgreSQL documentation's rule). rsync over SSH between hosts, cp on the same host.
    /// </summary>
    private static string ArchiveCommand(StandbyContext c, string archiveDir)
    {
        var dir = archiveDir.TrimEnd('/');
        if (c.Slave.HostName == c.Master.HostName)
            return $"test ! -f {ShellCommand.Quote(dir + "/%f")} && cp %p {ShellCommand.Quote(dir + "/%f")}";
        return $"rsync -a --ignore-existing %p {ShellCommand.Quote(c.Slave.Address + ":" + dir + "/%f")}";
    }
}
