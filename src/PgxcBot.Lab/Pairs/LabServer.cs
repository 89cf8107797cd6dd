using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgxcBot.Core.Topology;
using PgxcBot.Lab.Pgxc;

namespace PgxcBot.Lab.Pairs;

/// <summary>
/// One PostgreSQL server of a lab pair (or a real Postgres-XC/XL coordinator), listening on
/// 127.0.0.1:<see cref="Port"/>. Every operation acts on the real processes: stop and start through pg_ctl
/// (with <c>-Z coordinator|datanode</c> on XC/XL), kill and freeze with signals to the postmaster and all
/// its children.
/// </summary>
public sealed class LabServer
{
    private const string LabConfFile = "pgxcbot-lab.conf";
    private readonly LabCommandRunner _runner;
    private readonly PgBinaries _binaries;
    private readonly LabPairOptions _options;
    private readonly ILogger _logger;
    private readonly PgxcNode? _node;
    // Children of a postmaster killed alone (KillPostmasterOnlyAsync): they outlive it, and teardown ends them.
    private readonly HashSet<int> _orphans = [];
    private bool _minimalWal;

    internal LabServer(string label, string dataDir, string socketDir, string logFile, int port,
        LabCommandRunner runner, PgBinaries binaries, LabPairOptions options, ILogger logger, PgxcNode? node = null)
    {
        Label = label;
        DataDir = dataDir;
        SocketDir = socketDir;
        LogFile = logFile;
        Port = port;
        _runner = runner;
        _binaries = binaries;
        _options = options;
        _logger = logger;
        _node = node;
    }

    /// <summary>What the server was built as ("master" or "slave"); it does not change on promote.</summary>
    public string Label { get; }
    public string DataDir { get; }
    public string SocketDir { get; }
    /// <summary>The server log (pg_ctl -l): read it when a start fails.</summary>
    public string LogFile { get; }
    public int Port { get; private set; }
    public string Address => "127.0.0.1";

    /// <summary>PostgreSQL, Postgres-XC or Postgres-XL.</summary>
    public Flavor Flavor => _node?.Flavor ?? Flavor.PostgreSql;

    /// <summary>The Postgres-XC/XL node name (pgxc_node_name; a slave has its master's); null on PostgreSQL.</summary>
    public string? NodeName => _node?.NodeName;

    /// <summary>Coordinator or datanode on Postgres-XC/XL; null on PostgreSQL.</summary>
    public PgxcNodeType? NodeType => _node?.Type;

    /// <summary>This server's own pooler_port (XC/XL coordinators, XL datanodes); null where no pooler runs.</summary>
    public int? PoolerPort { get; private set; }

    /// <summary>Npgsql connection string for the superuser, with the password when one was set.</summary>
    public string ConnectionString => BuildConnectionString(pooling: true);

    /// <summary>Where this server lives, in topology terms.</summary>
    public ServerLocation ToLocation(string hostName) => new(hostName, Address, Port, DataDir) { PoolerPort = PoolerPort };

    internal string BuildConnectionString(bool pooling)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Address,
            Port = Port,
            Username = _options.SuperUser,
            Database = "postgres",
            Password = _options.SuperUserPassword,
            Pooling = pooling,
            Timeout = 5,
            ApplicationName = "pgxcbot-lab",
            SslMode = SslMode.Disable,
        };
        // Npgsql's type-loading query at open fails on XC/XL datanodes ("Received backend message RowDescription
        // while expecting CommandCompleteMessage"). The string carries the switch because tests open plain
        // NpgsqlConnections with it; the builder's property for it is obsolete in favour of data sources.
        return _node is null ? builder.ConnectionString : builder.ConnectionString + ";Server Compatibility Mode=NoTypeLoading";
    }

    /// <summary>Starts the server with pg_ctl -w (waits until it accepts connections).</summary>
    public Task StartAsync(CancellationToken cancellationToken) => StartAsync(allowNewPort: false, cancellationToken);

    internal async Task StartAsync(bool allowNewPort, CancellationToken cancellationToken)
    {
        const int attempts = 5;
        if (_node is not null) RemoveLocksOfZombies();
        for (var attempt = 1; ; attempt++)
        {
            var result = await PgCtlAsync(cancellationToken, allowFailure: true,
                "start", "-w", "-t", Seconds(_options.StartTimeout), "-D", DataDir, "-l", LogFile).ConfigureAwait(false);
            if (result.ExitCode == 0) return;

            var log = ReadLogTail();
            var portTaken = log.Contains("Address already in use", StringComparison.Ordinal)
                || log.Contains("could not create lock file", StringComparison.Ordinal);
            if (!allowNewPort || !portTaken || attempt == attempts)
                throw new LabCommandException(
                    $"The {Label} server in {DataDir} did not start (pg_ctl exit {result.ExitCode}). Log tail:\n{log}");
            var old = Port;
            WriteLabConf(FreePorts.Pick(), _minimalWal, repickPoolerPort: true);
            _logger.LogInformation("Port {OldPort} was taken when the {Label} server started; retrying on {NewPort}",
                old, Label, Port);
        }
    }

    /// <summary>Stops the server with pg_ctl stop -m <paramref name="mode"/> (smart, fast, immediate).</summary>
    public async Task StopAsync(CancellationToken cancellationToken, string mode = "fast")
    {
        if (mode is not ("smart" or "fast" or "immediate"))
            throw new ArgumentException($"Stop mode '{mode}' is not smart, fast or immediate.", nameof(mode));
        await PgCtlAsync(cancellationToken, allowFailure: false,
            "stop", "-w", "-t", Seconds(_options.StartTimeout), "-m", mode, "-D", DataDir).ConfigureAwait(false);
    }

    /// <summary>
    /// Like <c>kill -9</c> of the whole server: SIGKILL to the postmaster and every child, then waits
    /// until none is left. The postmaster is stopped first so it cannot fork while its children die.
    /// </summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        var pid = ReadPostmasterPid();
        if (pid is null || !PosixProcesses.IsAlive(pid.Value))
            throw new InvalidOperationException($"The {Label} server in {DataDir} is not running; nothing to kill.");
        PosixProcesses.Signal(pid.Value, PosixProcesses.SigStop);
        var children = PosixProcesses.ChildrenOf(pid.Value);
        PosixProcesses.Signal(pid.Value, PosixProcesses.SigKill);
        foreach (var child in children) PosixProcesses.Signal(child, PosixProcesses.SigKill);
        await WaitUntilGoneAsync([pid.Value, .. children], cancellationToken).ConfigureAwait(false);

        // Where init does not reap orphans (this lab machine's does not), the killed postmaster stays a
        // zombie and its pid in postmaster.pid would block every restart. A real host's init reaps it,
        // after which PostgreSQL ignores the stale lock file; removing the file gives the same outcome.
        // The socket lock file carries the same pid and would block the same way.
        if (PosixProcesses.IsZombie(pid.Value)) RemoveLockFiles();
        _logger.LogInformation("Killed the {Label} server (postmaster {Pid} and {Children} children)",
            Label, pid.Value, children.Count);
    }

    /// <summary>SIGSTOP to the postmaster and every child: the server keeps its sockets but answers
    /// nothing, like a hung host. <see cref="ThawAsync"/> resumes it.</summary>
    public Task FreezeAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pid = ReadPostmasterPid() is { } p && PosixProcesses.IsAlive(p) ? p
            : throw new InvalidOperationException($"The {Label} server in {DataDir} is not running; nothing to freeze.");
        PosixProcesses.Signal(pid, PosixProcesses.SigStop);
        foreach (var child in PosixProcesses.ChildrenOf(pid)) PosixProcesses.Signal(child, PosixProcesses.SigStop);
        return Task.CompletedTask;
    }

    /// <summary>SIGCONT to the postmaster and every child. Harmless when not frozen.</summary>
    public Task ThawAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var orphan in LiveOrphans()) PosixProcesses.Signal(orphan, PosixProcesses.SigCont);
        if (ReadPostmasterPid() is not { } pid) return Task.CompletedTask;
        PosixProcesses.Signal(pid, PosixProcesses.SigCont);
        foreach (var child in PosixProcesses.ChildrenOf(pid)) PosixProcesses.Signal(child, PosixProcesses.SigCont);
        return Task.CompletedTask;
    }

    /// <summary>Promotes this (standby) server with pg_ctl promote -w. Postgres-XC's pg_ctl (9.3) accepts -w
    /// but does not wait, so there the lab polls until the server leaves recovery.</summary>
    public async Task PromoteAsync(CancellationToken cancellationToken)
    {
        await PgCtlAsync(cancellationToken, allowFailure: false,
            "promote", "-w", "-t", Seconds(_options.StartTimeout), "-D", DataDir).ConfigureAwait(false);
        if (Flavor == Flavor.PostgresXc) await WaitForRecoveryAsync(inRecovery: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// SIGKILL to the postmaster alone, as when an operator kills only it: its children are left to notice on
    /// their own. Measured: other children exit at once, but the pooler of XC/XL lingers holding the shared memory
    /// and its socket lock, so a restart fails meanwhile ("pre-existing shared memory block ... is still in use" on
    /// XL; "lock file ".s.PGPOOL.port.lock" already exists" on XC). XL's pooler exits at its next 30 s maintenance
    /// tick (pool_maintenance_timeout) or as soon as an agent connection closes, so 0-30 s; XC's did not exit by
    /// itself in minutes on an idle host, yet once under CI load it was gone before the restart.
    /// <paramref name="freezeChildren"/> stops the children first (SIGSTOP) so they stay, for a test that needs
    /// the lingering state without a race; <see cref="ThawAsync"/> lets them go on. The children are returned,
    /// and ended at teardown if still alive.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server is not running.</exception>
    public async Task<KilledPostmaster> KillPostmasterOnlyAsync(CancellationToken cancellationToken, bool freezeChildren = false)
    {
        var pid = ReadPostmasterPid() is { } p && PosixProcesses.IsAlive(p) ? p
            : throw new InvalidOperationException($"The {Label} server in {DataDir} is not running; nothing to kill.");
        // Stopped, the postmaster cannot fork a child we would miss.
        PosixProcesses.Signal(pid, PosixProcesses.SigStop);
        var children = PosixProcesses.ChildrenOf(pid)
            .Select(child => new ServerProcess(child, PosixProcesses.CommandLine(child))).ToArray();
        lock (_orphans) foreach (var child in children) _orphans.Add(child.Pid);
        if (freezeChildren) foreach (var child in children) PosixProcesses.Signal(child.Pid, PosixProcesses.SigStop);
        PosixProcesses.Signal(pid, PosixProcesses.SigKill);
        await WaitUntilGoneAsync([pid], cancellationToken).ConfigureAwait(false);
        if (PosixProcesses.IsZombie(pid)) RemoveLockFiles();
        _logger.LogInformation("Killed the {Label} postmaster {Pid} alone; {Children} children left to notice (frozen: {Frozen})",
            Label, pid, children.Length, freezeChildren);
        return new KilledPostmaster(pid, children);
    }

    /// <summary>True while postmaster.pid names a live process.</summary>
    public bool IsRunning => ReadPostmasterPid() is { } pid && PosixProcesses.IsAlive(pid);

    /// <summary>The postmaster's pid from the first line of postmaster.pid; null when there is none.</summary>
    public int? ReadPostmasterPid()
    {
        try
        {
            var firstLine = File.ReadLines(Path.Combine(DataDir, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(firstLine, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException) { return null; }
    }

    /// <summary>Gives a server that does not exist yet (a slave add-slave will create) its own pooler port
    /// on XL, so the configuration the bot reads names one, as it must for any XL server.</summary>
    internal void ReservePoolerPort()
    {
        if (_node is { HasPooler: true } && PoolerPort is null) PoolerPort = FreePorts.Pick();
    }

    /// <summary>Writes the lab settings (port, sockets, replication; on XC/XL the GTM and this server's own
    /// pooler_port) and makes postgresql.conf include them.</summary>
    internal void WriteLabConf(int port, bool minimalWal = false, bool repickPoolerPort = false)
    {
        Port = port;
        _minimalWal = minimalWal;
        if (_node is { HasPooler: true } && (PoolerPort is null || repickPoolerPort)) PoolerPort = FreePorts.Pick();
        WriteOwnedFile(LabConfFile, LabServerConf.Render(_options, port, SocketDir, minimalWal, _node, PoolerPort));
        var conf = Path.Combine(DataDir, "postgresql.conf");
        var include = $"include '{LabConfFile}'";
        if (!File.ReadLines(conf).Contains(include)) File.AppendAllLines(conf, [include]);
    }

    /// <summary>Writes <paramref name="fileName"/> in the data directory whole, owned by the servers' user.</summary>
    internal void WriteOwnedFile(string fileName, IEnumerable<string> lines)
    {
        var path = Path.Combine(DataDir, fileName);
        File.WriteAllLines(path, lines);
        GiveToOsUser(path);
    }

    /// <summary>
    /// A file this (root) process writes into a data directory must belong to the servers' user like the
    /// rest: pg_rewind, run as that user, rewrites every configuration file it copies from the source.
    /// </summary>
    private void GiveToOsUser(string path)
    {
        if (_runner.OsUser is not { } user) return;
        using var chown = System.Diagnostics.Process.Start("chown", [$"{user}:", path])
            ?? throw new LabCommandException($"Could not start chown for {path}.");
        chown.WaitForExit();
        if (chown.ExitCode != 0) throw new LabCommandException($"chown {user}: {path} exited with {chown.ExitCode}.");
    }

    /// <summary>Runs pg_ctl with <paramref name="arguments"/> (the first is the subcommand); on XC/XL with
    /// <c>-Z coordinator|datanode</c> after it, without which XC's pg_ctl start fails.</summary>
    internal Task<LabCommandResult> PgCtlAsync(CancellationToken cancellationToken, bool allowFailure, params string[] arguments)
    {
        if (_node is not null) arguments = [arguments[0], "-Z", _node.PgCtlMode, .. arguments[1..]];
        return _runner.RunAsync(_binaries.PgCtl, arguments, Path.GetDirectoryName(DataDir)!, cancellationToken, allowFailure);
    }

    /// <summary>SIGKILL to the children a <see cref="KillPostmasterOnlyAsync"/> left behind, if they still run
    /// in this data directory (a pid may have been reused). Teardown calls it.</summary>
    internal void KillOrphans()
    {
        foreach (var orphan in LiveOrphans())
        {
            PosixProcesses.Signal(orphan, PosixProcesses.SigCont);
            PosixProcesses.Signal(orphan, PosixProcesses.SigKill);
        }
    }

    private int[] LiveOrphans()
    {
        int[] candidates;
        lock (_orphans) candidates = [.. _orphans];
        return candidates.Where(pid => PosixProcesses.IsAlive(pid) && PosixProcesses.WorkingDirectory(pid) == DataDir).ToArray();
    }

    // Where init does not reap orphans (this lab machine's does so late), a killed postmaster stays a zombie
    // and its pid in postmaster.pid (and the socket lock) would block every restart. A real host's init reaps
    // it, after which PostgreSQL ignores the stale lock file; removing the file gives the same outcome.
    private void RemoveLockFiles()
    {
        File.Delete(Path.Combine(DataDir, "postmaster.pid"));
        var socket = Path.Combine(SocketDir, $".s.PGSQL.{Port.ToString(CultureInfo.InvariantCulture)}");
        File.Delete(socket + ".lock");
        File.Delete(socket);
    }

    // The same for every lock file of this server (postmaster, socket, pooler socket) whose owner is now a
    // zombie: a live owner (a lingering pooler) still blocks the start, as it does on a real host.
    private void RemoveLocksOfZombies()
    {
        var locks = new List<string> { Path.Combine(DataDir, "postmaster.pid"), Path.Combine(SocketDir, $".s.PGSQL.{Port.ToString(CultureInfo.InvariantCulture)}.lock") };
        if (PoolerPort is { } pooler) locks.Add(Path.Combine(SocketDir, $".s.PGPOOL.{pooler.ToString(CultureInfo.InvariantCulture)}.lock"));
        foreach (var file in locks)
        {
            string? first;
            try { first = File.ReadLines(file).FirstOrDefault(); }
            catch (IOException) { continue; }
            if (int.TryParse(first?.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var owner)
                && PosixProcesses.IsZombie(Math.Abs(owner)))
            {
                File.Delete(file);
                if (file.EndsWith(".lock", StringComparison.Ordinal)) File.Delete(file[..^".lock".Length]);
            }
        }
    }

    /// <summary>Polls until the server answers SQL with pg_is_in_recovery() = <paramref name="inRecovery"/>: after an
    /// XC promote (false), or until a fresh XC or queryable XL standby accepts sessions (true; pg_ctl -w returns
    /// before an XL standby does: 57P03 "the database system is in recovery mode").</summary>
    internal async Task WaitForRecoveryAsync(bool inRecovery, CancellationToken cancellationToken)
    {
        var deadline = Deadline.In(_options.StartTimeout);
        var last = "no answer yet";
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(BuildConnectionString(pooling: false));
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
                if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is bool answer && answer == inRecovery) return;
                last = inRecovery ? "not in recovery" : "still in recovery";
            }
            catch (NpgsqlException e) { last = e.Message; }
            if (deadline.Expired)
                throw new TimeoutException($"The {Label} server in {DataDir} did not answer pg_is_in_recovery() = {inRecovery} within {Seconds(_options.StartTimeout)} s; last seen: {last}. Log: {LogFile}");
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private string ReadLogTail()
    {
        try
        {
            var lines = File.ReadAllLines(LogFile);
            return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 15)));
        }
        catch (IOException) { return "(no server log)"; }
    }

    private static async Task WaitUntilGoneAsync(IReadOnlyList<int> pids, CancellationToken cancellationToken)
    {
        var deadline = Deadline.In(TimeSpan.FromSeconds(10));
        while (pids.Any(PosixProcesses.IsAlive))
        {
            if (deadline.Expired)
                throw new TimeoutException("Processes survived SIGKILL for 10 s: " + string.Join(' ', pids.Where(PosixProcesses.IsAlive)));
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Seconds(TimeSpan span) =>
        Math.Max(1, (int)Math.Ceiling(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
