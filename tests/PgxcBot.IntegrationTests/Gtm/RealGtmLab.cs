using System.Globalization;
using System.Net.Sockets;
using PgxcBot.Core.Gtm;

namespace PgxcBot.IntegrationTests.Gtm;

/// <summary>
/// A real GTM of one flavor (initgtm + gtm_ctl) in its own temp folder on a free port, plus datanodes pointed
/// at it (initdb --nodename, gtm_host/gtm_port, pg_ctl -Z datanode), all run as the unprivileged lab user.
/// Disposing stops everything it started and removes the folder.
/// </summary>
internal sealed class RealGtmLab : IAsyncDisposable
{
    private readonly LabCommandRunner _runner;
    private readonly List<RealDatanode> _datanodes = [];

    private RealGtmLab(Flavor flavor, string home, string folder, LabCommandRunner runner)
    {
        Flavor = flavor;
        Home = home;
        Folder = folder;
        _runner = runner;
    }

    public Flavor Flavor { get; }
    public string Home { get; }
    public string Folder { get; }
    public string GtmDir => Path.Combine(Folder, "gtm");
    public string GtmLog => Path.Combine(Folder, "gtm.log");
    public int GtmPort { get; private set; }
    public GtmEndpoint Endpoint => new("127.0.0.1", GtmPort);

    /// <summary>initgtm, port and node name into gtm.conf, gtm_ctl start; ready when the port accepts.</summary>
    public static async Task<RealGtmLab> StartAsync(Flavor flavor, CancellationToken cancellationToken)
    {
        var home = RealInstall.Home(flavor);
        var tempRoot = new LabPairOptions().TempRoot;
        var runner = await LabOsUser.PrepareAsync(new LabPairOptions().OsUser, tempRoot, NullLoggerFactory.Instance, cancellationToken);
        // Short folder names: the datanodes' unix sockets live here and socket paths are limited to 107 bytes.
        var folder = Path.Combine(tempRoot, $"gtm-{Guid.NewGuid():N}"[..12]);
        Directory.CreateDirectory(folder);
        if (runner.OsUser is not null)
            await runner.RunRawAsync("chown", [$"{runner.OsUser}:", folder], folder, false, cancellationToken);
        var lab = new RealGtmLab(flavor, home, folder, runner);
        try
        {
            await lab.RunAsync("initgtm", ["-Z", "gtm", "-D", lab.GtmDir], cancellationToken);
            await lab.StartGtmAsync(cancellationToken);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the GTM (again), on a new free port when the old one was taken meanwhile.</summary>
    public async Task StartGtmAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (GtmPort == 0 || attempt > 1)
            {
                GtmPort = FreePorts.Pick();
                // A later line wins in gtm.conf, as in postgresql.conf.
                File.AppendAllLines(Path.Combine(GtmDir, "gtm.conf"),
                    [$"port = {GtmPort}", "nodename = 'gtm'", "listen_addresses = '127.0.0.1'"]);
            }
            // gtm_ctl answers 0 even when the gtm dies at once (port taken): the port decides.
            await RunAsync("gtm_ctl", ["start", "-Z", "gtm", "-D", GtmDir, "-l", GtmLog], cancellationToken);
            if (await PortAnswersWithinAsync(GtmPort, TimeSpan.FromSeconds(15), cancellationToken)) return;
            if (attempt == 3)
                throw new InvalidOperationException($"the {Flavor} GTM in {GtmDir} did not start; log tail:\n{Tail(GtmLog)}");
        }
    }

    /// <summary>gtm_ctl stop -m immediate (waits until the GTM is gone).</summary>
    public async Task StopGtmAsync(CancellationToken cancellationToken)
    {
        await RunAsync("gtm_ctl", ["stop", "-Z", "gtm", "-D", GtmDir, "-m", "immediate"], cancellationToken);
    }

    /// <summary>True while the GTM process of this lab lives (its gtm.pid names a live process).</summary>
    public bool GtmAlive()
    {
        var pidFile = Path.Combine(GtmDir, "gtm.pid");
        return File.Exists(pidFile)
            && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && PosixProcesses.IsAlive(pid);
    }

    /// <summary>
    /// initdb --nodename <paramref name="nodeName"/> into <paramref name="dirName"/>, pointed at this GTM (XL:
    /// with its own pooler_port), then pg_ctl start -w -Z datanode.
    /// </summary>
    /// <param name="extraConf">More postgresql.conf lines (e.g. archiving) for this datanode.</param>
    public async Task<RealDatanode> StartDatanodeAsync(string nodeName, string dirName, CancellationToken cancellationToken,
        IReadOnlyList<string>? extraConf = null)
    {
        var dataDir = Path.Combine(Folder, dirName);
        await RunAsync("initdb", ["-D", dataDir, "--nodename", nodeName, "-U", "postgres", "--auth=trust", "-N"], cancellationToken);
        var datanode = new RealDatanode(this, nodeName, dataDir, Path.Combine(Folder, dirName + ".log"));
        for (var attempt = 1; ; attempt++)
        {
            datanode.Port = FreePorts.Pick();
            List<string> conf =
            [
                $"port = {datanode.Port}", $"gtm_host = '127.0.0.1'", $"gtm_port = {GtmPort}",
                "listen_addresses = '127.0.0.1'", $"unix_socket_directories = '{Folder}'",
                "fsync = off", "shared_buffers = 16MB", "max_connections = 20",
            ];
            if (Flavor == Flavor.PostgresXl) conf.Add($"pooler_port = {FreePorts.Pick()}");
            conf.AddRange(extraConf ?? []);
            File.AppendAllLines(Path.Combine(dataDir, "postgresql.conf"), conf);
            var started = await RunAsync("pg_ctl", ["start", "-w", "-t", "60", "-Z", "datanode", "-D", dataDir, "-l", datanode.LogFile],
                cancellationToken, allowFailure: true);
            if (started.ExitCode == 0) break;
            var log = Tail(datanode.LogFile);
            if (attempt == 3 || !(log.Contains("already in use", StringComparison.Ordinal) || log.Contains("could not create", StringComparison.Ordinal)))
                throw new InvalidOperationException($"datanode {nodeName} in {dataDir} did not start (pg_ctl {started.ExitCode}); log tail:\n{log}");
        }
        lock (_datanodes) _datanodes.Add(datanode);
        return datanode;
    }

    /// <summary>Runs a program of the installation as the lab user, its bin/ first on PATH (gtm_ctl finds
    /// the gtm binary only through PATH).</summary>
    internal Task<LabCommandResult> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken,
        bool allowFailure = false)
    {
        var bin = Path.Combine(Home, "bin");
        return _runner.RunAsync("env", [$"PATH={bin}:/usr/bin:/bin", Path.Combine(bin, program), .. arguments], Folder,
            cancellationToken, allowFailure);
    }

    internal static string Tail(string file, int lines = 30) =>
        File.Exists(file) ? string.Join('\n', File.ReadLines(file).TakeLast(lines)) : $"({file} does not exist)";

    private static async Task<bool> PortAnswersWithinAsync(int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await Poll.UntilAsync(async () =>
            {
                using var client = new TcpClient();
                try { await client.ConnectAsync("127.0.0.1", port, cancellationToken); return true; }
                catch (SocketException) { return false; }
            }, up => up, timeout, $"the GTM on port {port}", cancellationToken);
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        RealDatanode[] datanodes;
        lock (_datanodes) datanodes = [.. _datanodes];
        foreach (var datanode in datanodes) await datanode.KillAsync(CancellationToken.None);
        // Only a live GTM: gtm_ctl would wait a minute for a crashed one (a zombie here, where init reaps none).
        if (GtmAlive())
            await RunAsync("gtm_ctl", ["stop", "-Z", "gtm", "-D", GtmDir, "-m", "immediate"], CancellationToken.None, allowFailure: true);
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>A Postgres-XC/XL datanode of a <see cref="RealGtmLab"/>.</summary>
internal sealed class RealDatanode(RealGtmLab lab, string name, string dataDir, string logFile)
{
    public string Name { get; } = name;
    public string DataDir { get; } = dataDir;
    public string LogFile { get; } = logFile;
    public int Port { get; internal set; }

    /// <summary>The postmaster's pid from postmaster.pid, or null.</summary>
    public int? PostmasterPid()
    {
        var pidFile = Path.Combine(DataDir, "postmaster.pid");
        if (!File.Exists(pidFile)) return null;
        return int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    public bool IsRunning => PostmasterPid() is { } pid && PosixProcesses.IsAlive(pid);

    /// <summary>
    /// Makes a Postgres-XC postmaster register on the GTM now rather than at the next signal some child sends
    /// it (often an autovacuum worker request, a minute or more after start): XC's postmaster registers in its
    /// SIGUSR1 handler, on the first SIGUSR1 it gets in normal running (sigusr1_handler calls RegisterGTM, found
    /// by disassembling this build's postgres). XL's cluster monitor registers at start; nothing to do there.
    /// </summary>
    public void SignalRegistration()
    {
        if (PostmasterPid() is { } pid) PosixProcesses.Signal(pid, PosixProcesses.SigUsr1);
    }

    /// <summary><c>SELECT 1</c> through this datanode with the installation's psql; the output, or throws.</summary>
    public async Task<string> SelectOneAsync(CancellationToken cancellationToken)
    {
        var result = await lab.RunAsync("psql",
            ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", "postgres", "-Atc", "SELECT 1"],
            cancellationToken, allowFailure: true);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"SELECT 1 on {Name} failed ({result.ExitCode}): {result.StandardError.Trim()}");
        return result.StandardOutput.Trim();
    }

    /// <summary>kill -9 of the postmaster and its children, like a crashed host: nothing unregisters.</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        if (PostmasterPid() is not { } pid || !PosixProcesses.IsAlive(pid)) return;
        PosixProcesses.Signal(pid, PosixProcesses.SigStop); // no new children while the old ones die
        var children = PosixProcesses.ChildrenOf(pid);
        PosixProcesses.Signal(pid, PosixProcesses.SigKill);
        foreach (var child in children) PosixProcesses.Signal(child, PosixProcesses.SigKill);
        await Poll.UntilAsync(() => Task.FromResult(children.Append(pid).All(p => !PosixProcesses.IsAlive(p))),
            gone => gone, TimeSpan.FromSeconds(15), $"datanode {Name} to die", cancellationToken);
    }
}
