using System.Globalization;
using Microsoft.Extensions.Logging;
using PgxcBot.Lab.Pairs;

namespace PgxcBot.Lab.Pgxc;

/// <summary>
/// The GTM (global transaction manager) of a lab cluster, on 127.0.0.1:<see cref="Port"/>. Every node
/// registers on it and takes its transaction ids and snapshots from it: while it is down or frozen, every
/// query fails. Operations act on the real process: gtm_ctl start/stop, SIGKILL, SIGSTOP/SIGCONT.
/// </summary>
public sealed class LabGtm
{
    private const string PidFile = "gtm.pid";
    private readonly PgxcInstallation _installation;
    private readonly LabCommandRunner _runner;
    private readonly ILogger _logger;
    private readonly string _initialConf;

    private LabGtm(PgxcInstallation installation, string dataDir, string logFile, LabCommandRunner runner, ILogger logger, string initialConf)
    {
        _installation = installation;
        DataDir = dataDir;
        LogFile = logFile;
        _runner = runner;
        _logger = logger;
        _initialConf = initialConf;
    }

    /// <summary>Always 127.0.0.1 (gtm_host of every node).</summary>
    public string Host => "127.0.0.1";

    /// <summary>The GTM's TCP port (gtm_port of every node).</summary>
    public int Port { get; private set; }

    /// <summary>The GTM's data directory (gtm.conf, gtm.control, gtm.pid).</summary>
    public string DataDir { get; }

    /// <summary>gtm_ctl's -l log: read it when a start fails.</summary>
    public string LogFile { get; }

    /// <summary>The installation's gtm_ctl. It finds the gtm program only through PATH: run it with
    /// <see cref="BinDir"/> first on PATH.</summary>
    public string GtmCtl => _installation.GtmCtl;

    /// <summary>The installation's bin directory.</summary>
    public string BinDir => _installation.BinDir;

    /// <summary>Host and port, as the nodes' gtm_host/gtm_port.</summary>
    public LabGtmEndpoint Endpoint => new(Host, Port);

    /// <summary>True while gtm.pid names a live process.</summary>
    public bool IsRunning => ReadPid() is { } pid && PosixProcesses.IsAlive(pid);

    /// <summary>initgtm into <paramref name="dataDir"/> (absent), then gtm.conf gets node name, address and a free port.</summary>
    internal static async Task<LabGtm> InitAsync(PgxcInstallation installation, LabCommandRunner runner, string dataDir, ILogger logger,
        CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(dataDir)!;
        await runner.RunAsync(installation.InitGtm, ["-Z", "gtm", "-D", dataDir], folder, cancellationToken).ConfigureAwait(false);
        var conf = await File.ReadAllTextAsync(Path.Combine(dataDir, "gtm.conf"), cancellationToken).ConfigureAwait(false);
        var gtm = new LabGtm(installation, dataDir, Path.Combine(folder, "gtm.log"), runner, logger, conf);
        gtm.WriteConf(FreePorts.Pick());
        return gtm;
    }

    /// <summary>
    /// Starts the GTM and waits until it listens on <see cref="Port"/>. gtm_ctl says "server starting" and
    /// exits 0 even when the GTM dies at once (its port taken), so this checks that the GTM process itself
    /// holds the listening socket. With <paramref name="allowNewPort"/> a taken port is replaced by a free one.
    /// </summary>
    /// <exception cref="LabCommandException">The GTM did not come up within <paramref name="timeout"/> (default 15 s); the message has its log tail.</exception>
    public async Task StartAsync(CancellationToken cancellationToken, bool allowNewPort = false, TimeSpan? timeout = null)
    {
        const int attempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            RemoveLockOfZombie();
            await GtmCtlAsync(cancellationToken, allowFailure: false, "start", "-Z", "gtm", "-D", DataDir, "-l", LogFile).ConfigureAwait(false);
            var deadline = Deadline.In(timeout ?? TimeSpan.FromSeconds(15));
            while (!deadline.Expired)
            {
                if (ReadPid() is { } pid && PosixProcesses.IsAlive(pid) && PosixProcesses.ListensOn(pid, Port)) return;
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
            var log = ReadLogTail();
            if (IsRunning) await KillAsync(cancellationToken).ConfigureAwait(false);
            if (!allowNewPort || attempt == attempts || !log.Contains("could not bind", StringComparison.OrdinalIgnoreCase)
                && !log.Contains("Address already in use", StringComparison.Ordinal))
                throw new LabCommandException($"The GTM in {DataDir} did not listen on 127.0.0.1:{Port} (gtm_ctl said it started). Log tail:\n{log}");
            var old = Port;
            WriteConf(FreePorts.Pick());
            _logger.LogInformation("GTM port {OldPort} was taken; retrying on {NewPort}", old, Port);
        }
    }

    /// <summary>gtm_ctl stop -m <paramref name="mode"/> (smart, fast, immediate), waiting until it is gone.</summary>
    public async Task StopAsync(CancellationToken cancellationToken, string mode = "fast")
    {
        if (mode is not ("smart" or "fast" or "immediate"))
            throw new ArgumentException($"Stop mode '{mode}' is not smart, fast or immediate.", nameof(mode));
        await GtmCtlAsync(cancellationToken, allowFailure: false, "stop", "-Z", "gtm", "-D", DataDir, "-m", mode, "-w", "-t", "30").ConfigureAwait(false);
    }

    /// <summary>Like <c>kill -9</c> of the GTM; waits until it is gone.</summary>
    /// <exception cref="InvalidOperationException">The GTM is not running.</exception>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        var pid = ReadPid() is { } p && PosixProcesses.IsAlive(p) ? p
            : throw new InvalidOperationException($"The GTM in {DataDir} is not running; nothing to kill.");
        PosixProcesses.Signal(pid, PosixProcesses.SigKill);
        var deadline = Deadline.In(TimeSpan.FromSeconds(10));
        while (PosixProcesses.IsAlive(pid))
        {
            if (deadline.Expired) throw new TimeoutException($"The GTM (pid {pid}) survived SIGKILL for 10 s.");
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
        RemoveLockOfZombie();
        _logger.LogInformation("Killed the GTM (pid {Pid})", pid);
    }

    /// <summary>SIGSTOP: the GTM keeps its connections but answers nothing, so every node's queries hang.</summary>
    /// <exception cref="InvalidOperationException">The GTM is not running.</exception>
    public Task FreezeAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pid = ReadPid() is { } p && PosixProcesses.IsAlive(p) ? p
            : throw new InvalidOperationException($"The GTM in {DataDir} is not running; nothing to freeze.");
        PosixProcesses.Signal(pid, PosixProcesses.SigStop);
        return Task.CompletedTask;
    }

    /// <summary>SIGCONT. Harmless when not frozen.</summary>
    public Task ThawAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (ReadPid() is { } pid) PosixProcesses.Signal(pid, PosixProcesses.SigCont);
        return Task.CompletedTask;
    }

    /// <summary>The GTM's pid from gtm.pid; null when there is none.</summary>
    public int? ReadPid()
    {
        try
        {
            var first = File.ReadLines(Path.Combine(DataDir, PidFile)).FirstOrDefault();
            return int.TryParse(first?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException) { return null; }
    }

    /// <summary>Stops the GTM for teardown: thawed, gtm_ctl stop -m immediate, SIGKILL when that fails. Never throws.</summary>
    internal async Task ShutDownAsync()
    {
        try
        {
            await ThawAsync(CancellationToken.None).ConfigureAwait(false);
            if (!IsRunning) return;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await GtmCtlAsync(timeout.Token, allowFailure: true, "stop", "-Z", "gtm", "-D", DataDir, "-m", "immediate", "-w", "-t", "10")
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException) { }
            if (IsRunning) await KillAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogWarning(e, "Could not stop the lab GTM in {DataDir}", DataDir);
        }
    }

    // gtm.conf as initgtm wrote it plus the lab's lines, rewritten whole (a restart on a new port must not pile up lines).
    private void WriteConf(int port)
    {
        Port = port;
        var path = Path.Combine(DataDir, "gtm.conf");
        File.WriteAllText(path, _initialConf.TrimEnd('\n') + "\n# Written by the pgxcbot lab.\n" +
            $"nodename = 'gtm'\nlisten_addresses = '127.0.0.1'\nport = {port.ToString(CultureInfo.InvariantCulture)}\n");
        if (_runner.OsUser is { } user)
        {
            using var chown = System.Diagnostics.Process.Start("chown", [$"{user}:", path])
                ?? throw new LabCommandException($"Could not start chown for {path}.");
            chown.WaitForExit();
        }
    }

    // As for a postmaster: this machine's init reaps late, and a zombie's pid in gtm.pid would block a restart.
    private void RemoveLockOfZombie()
    {
        if (ReadPid() is { } pid && PosixProcesses.IsZombie(pid)) File.Delete(Path.Combine(DataDir, PidFile));
    }

    private Task<LabCommandResult> GtmCtlAsync(CancellationToken cancellationToken, bool allowFailure, params string[] arguments)
    {
        // gtm_ctl execs "gtm" from PATH; without the installation first it "starts" and nothing runs.
        var path = $"PATH={BinDir}:{Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin"}";
        return _runner.RunAsync("env", [path, GtmCtl, .. arguments], Path.GetDirectoryName(DataDir)!, cancellationToken, allowFailure);
    }

    private string ReadLogTail()
    {
        try
        {
            var lines = File.ReadAllLines(LogFile);
            return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 15)));
        }
        catch (IOException) { return "(no GTM log)"; }
    }
}
