using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgxcBot.Core.Topology;

namespace PgxcBot.Lab.Pairs;

/// <summary>
/// One PostgreSQL server of a lab pair, listening on 127.0.0.1:<see cref="Port"/>. Every operation acts
/// on the real processes: stop and start through pg_ctl, kill and freeze with signals to the postmaster
/// and all its children.
/// </summary>
public sealed class LabServer
{
    private const string LabConfFile = "pgxcbot-lab.conf";
    private readonly LabCommandRunner _runner;
    private readonly PgBinaries _binaries;
    private readonly LabPairOptions _options;
    private readonly ILogger _logger;
    private bool _minimalWal;

    internal LabServer(string label, string dataDir, string socketDir, string logFile, int port,
        LabCommandRunner runner, PgBinaries binaries, LabPairOptions options, ILogger logger)
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
    }

    /// <summary>What the server was built as ("master" or "slave"); it does not change on promote.</summary>
    public string Label { get; }
    public string DataDir { get; }
    public string SocketDir { get; }
    /// <summary>The server log (pg_ctl -l): read it when a start fails.</summary>
    public string LogFile { get; }
    public int Port { get; private set; }
    public string Address => "127.0.0.1";

    /// <summary>Npgsql connection string for the superuser, with the password when one was set.</summary>
    public string ConnectionString => BuildConnectionString(pooling: true);

    /// <summary>Where this server lives, in topology terms.</summary>
    public ServerLocation ToLocation(string hostName) => new(hostName, Address, Port, DataDir);

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
        return builder.ConnectionString;
    }

    /// <summary>Starts the server with pg_ctl -w (waits until it accepts connections).</summary>
    public Task StartAsync(CancellationToken cancellationToken) => StartAsync(allowNewPort: false, cancellationToken);

    internal async Task StartAsync(bool allowNewPort, CancellationToken cancellationToken)
    {
        const int attempts = 5;
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
            WriteLabConf(FreePorts.Pick(), _minimalWal);
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
        if (PosixProcesses.IsZombie(pid.Value))
        {
            File.Delete(Path.Combine(DataDir, "postmaster.pid"));
            var socket = Path.Combine(SocketDir, $".s.PGSQL.{Port.ToString(CultureInfo.InvariantCulture)}");
            File.Delete(socket + ".lock");
            File.Delete(socket);
        }
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
        if (ReadPostmasterPid() is not { } pid) return Task.CompletedTask;
        PosixProcesses.Signal(pid, PosixProcesses.SigCont);
        foreach (var child in PosixProcesses.ChildrenOf(pid)) PosixProcesses.Signal(child, PosixProcesses.SigCont);
        return Task.CompletedTask;
    }

    /// <summary>Promotes this (standby) server with pg_ctl promote -w.</summary>
    public async Task PromoteAsync(CancellationToken cancellationToken) =>
        await PgCtlAsync(cancellationToken, allowFailure: false,
            "promote", "-w", "-t", Seconds(_options.StartTimeout), "-D", DataDir).ConfigureAwait(false);

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

    /// <summary>Writes the lab settings (port, sockets, replication) and makes postgresql.conf include them.</summary>
    internal void WriteLabConf(int port, bool minimalWal = false)
    {
        Port = port;
        _minimalWal = minimalWal;
        var settings = new[]
        {
            "# Written by the pgxcbot lab pair builder.",
            "listen_addresses = '127.0.0.1'",
            $"port = {port.ToString(CultureInfo.InvariantCulture)}",
            $"unix_socket_directories = '{SocketDir}'",
            minimalWal ? "wal_level = minimal" : "wal_level = replica",
            minimalWal ? "max_wal_senders = 0" : "max_wal_senders = 10",
            "max_replication_slots = 10",
            "max_prepared_transactions = 10",
            "wal_keep_size = '64MB'",
            "hot_standby = on",
            "hot_standby_feedback = on",
            $"fsync = {(_options.Fsync ? "on" : "off")}",
            $"shared_buffers = '{_options.SharedBuffers}'",
            $"max_connections = {_options.MaxConnections.ToString(CultureInfo.InvariantCulture)}",
            "dynamic_shared_memory_type = posix",
            "logging_collector = off",
            "log_line_prefix = '%m [%p] '",
        };
        File.WriteAllLines(Path.Combine(DataDir, LabConfFile), settings);
        GiveToOsUser(Path.Combine(DataDir, LabConfFile));
        var conf = Path.Combine(DataDir, "postgresql.conf");
        var include = $"include '{LabConfFile}'";
        if (!File.ReadLines(conf).Contains(include)) File.AppendAllLines(conf, [include]);
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

    internal Task<LabCommandResult> PgCtlAsync(CancellationToken cancellationToken, bool allowFailure, params string[] arguments) =>
        _runner.RunAsync(_binaries.PgCtl, arguments, Path.GetDirectoryName(DataDir)!, cancellationToken, allowFailure);

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
