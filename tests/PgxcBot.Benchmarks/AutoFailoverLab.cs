using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace PgxcBot.Benchmarks;

/// <summary>One pg_auto_failover node as the monitor sees it (pgautofailover.node).</summary>
internal sealed record AutoFailoverNodeState(int Port, string GoalState, string ReportedState);

/// <summary>
/// A pg_auto_failover 2.0 formation on loopback: a monitor and two PostgreSQL 15 nodes, each run by its own
/// <c>pg_autoctl ... --run</c> keeper as the lab's unprivileged OS user (PostgreSQL refuses root), in a temp
/// folder, on free ports. Killing a node kills its keeper's whole process tree and its postmaster's (a dead
/// host). Disposing kills everything it started and deletes the folder, also after a failure or Ctrl+C.
/// Needs Debian's <c>postgresql-15-auto-failover</c> (<c>/usr/bin/pg_autoctl</c>).
/// </summary>
internal sealed class AutoFailoverLab : IAsyncDisposable
{
    private const string PgBin = "/usr/lib/postgresql/15/bin";
    private const string PgAutoCtl = "/usr/bin/pg_autoctl";
    private readonly string _root;
    private readonly LabCommandRunner _runner;
    private readonly Dictionary<string, Process> _keepers = new(StringComparer.Ordinal);
    private readonly string _user;

    private AutoFailoverLab(string root, LabCommandRunner runner)
    {
        _root = root;
        _runner = runner;
        _user = runner.OsUser ?? Environment.UserName;
    }

    /// <summary>The monitor's port.</summary>
    public int MonitorPort { get; } = FreePorts.Pick();

    /// <summary>The two nodes' ports, node 1 first.</summary>
    public IReadOnlyList<int> NodePorts { get; } = [FreePorts.Pick(), FreePorts.Pick()];

    /// <summary>The monitor settings applied (name = value), for the output.</summary>
    public IReadOnlyList<string> Settings { get; private set; } = [];

    /// <summary>Starts the monitor with <paramref name="monitorSettings"/> (pgautofailover GUCs, applied by
    /// ALTER SYSTEM + reload, and a monitor restart when one needs it), then node 1, then node 2, and waits
    /// until they are primary and secondary.</summary>
    /// <exception cref="FileNotFoundException">pg_autoctl is not installed.</exception>
    /// <exception cref="TimeoutException">the formation did not come up within <paramref name="deadline"/>.</exception>
    public static async Task<AutoFailoverLab> StartAsync(IReadOnlyDictionary<string, string> monitorSettings, TimeSpan deadline,
        TextWriter progress, CancellationToken cancellationToken)
    {
        if (!File.Exists(PgAutoCtl))
            throw new FileNotFoundException($"{PgAutoCtl} is missing; install it with `apt-get install -y postgresql-15-auto-failover`.");
        var root = Path.Combine(Path.GetTempPath(), "pgxcbot-af-" + Guid.NewGuid().ToString("N")[..8]);
        var runner = await LabOsUser.PrepareAsync(new LabPairOptions().OsUser, root, NullLoggerFactory.Instance, cancellationToken);
        var lab = new AutoFailoverLab(root, runner);
        try
        {
            Directory.CreateDirectory(lab.Data("sock"));
            if (runner.OsUser is not null) await runner.RunRawAsync("chown", ["-R", runner.OsUser, root], root, false, cancellationToken);
            // Debian's PostgreSQL puts its socket in /var/run/postgresql, which the lab user may not write, and
            // pg_autoctl has no option for it: initdb first with our socket folder, pg_autoctl adopts the data.
            foreach (var name in new[] { "monitor", Node(0) }) await lab.InitDbAsync(name, cancellationToken);
            lab.Start("monitor", ["create", "monitor", "--pgdata", lab.Data("monitor"), "--pgport", Text(lab.MonitorPort),
                "--pgctl", PgBin + "/pg_ctl", "--hostname", "localhost", "--auth", "trust", "--no-ssl", "--run"]);
            await lab.PollAsync("the monitor accepting connections", deadline, async ct =>
            {
                await using var c = await lab.OpenAsync(lab.MonitorPort, "pg_auto_failover", ct);
                await using var q = new NpgsqlCommand("SELECT count(*) FROM pgautofailover.formation", c);
                return await q.ExecuteScalarAsync(ct) is not null;
            }, cancellationToken);
            await lab.TuneMonitorAsync(monitorSettings, deadline, cancellationToken);
            await progress.WriteLineAsync($"autofailover: monitor up on port {lab.MonitorPort} ({string.Join(", ", lab.Settings)}); creating node 1...");

            lab.StartNode(0, create: true);
            await lab.PollAsync("node 1 to be single", deadline, async ct =>
                (await lab.NodesAsync(ct)).Any(n => n.ReportedState == "single"), cancellationToken);
            await progress.WriteLineAsync("autofailover: node 1 single; creating node 2...");
            lab.StartNode(1, create: true);
            await lab.WaitSteadyAsync(deadline, cancellationToken);
            return lab;
        }
        catch
        {
            foreach (var log in Directory.EnumerateFiles(root, "*.log"))
                await progress.WriteLineAsync($"--- {Path.GetFileName(log)} (last lines)\n" + string.Join('\n', File.ReadLines(log).TakeLast(15)));
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Connection string of a node (superuser, database postgres).</summary>
    public string ConnectionString(int port) => $"Host=localhost;Port={Text(port)};Username={_user};Database=postgres;Timeout=3;Command Timeout=5";

    /// <summary>The nodes as the monitor records them now.</summary>
    public async Task<IReadOnlyList<AutoFailoverNodeState>> NodesAsync(CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(MonitorPort, "pg_auto_failover", cancellationToken);
        await using var q = new NpgsqlCommand("SELECT nodeport, goalstate::text, reportedstate::text FROM pgautofailover.node ORDER BY nodeid", c);
        await using var r = await q.ExecuteReaderAsync(cancellationToken);
        var nodes = new List<AutoFailoverNodeState>();
        while (await r.ReadAsync(cancellationToken)) nodes.Add(new AutoFailoverNodeState(r.GetInt32(0), r.GetString(1), r.GetString(2)));
        return nodes;
    }

    /// <summary>Waits until one node is primary and the other secondary (goal = reported); returns
    /// (primary port, secondary port).</summary>
    public async Task<(int Primary, int Secondary)> WaitSteadyAsync(TimeSpan deadline, CancellationToken cancellationToken)
    {
        (int, int) found = default;
        await PollAsync("primary + secondary", deadline, async ct =>
        {
            var nodes = await NodesAsync(ct);
            var primary = nodes.FirstOrDefault(n => n is { GoalState: "primary", ReportedState: "primary" });
            var secondary = nodes.FirstOrDefault(n => n is { GoalState: "secondary", ReportedState: "secondary" });
            if (nodes.Count != 2 || primary is null || secondary is null) return false;
            found = (primary.Port, secondary.Port);
            return true;
        }, cancellationToken);
        return found;
    }

    /// <summary>kill -9 of the node's keeper tree and its postmaster tree at once: a dead host.</summary>
    public void KillNode(int port)
    {
        var index = NodeIndex(port);
        var trees = new List<Process>();
        if (_keepers.Remove(Node(index), out var keeper)) trees.Add(keeper);
        if (PostmasterOf(Data(Node(index))) is { } postmaster) trees.Add(postmaster);
        foreach (var p in trees)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
        foreach (var p in trees) p.Dispose();
    }

    /// <summary>Starts the node's keeper again (<c>pg_autoctl run</c>); it rejoins on its own.</summary>
    public void RestartNode(int port) => StartNode(NodeIndex(port), create: false);

    /// <summary>Opens a connection to <paramref name="port"/> as the superuser.</summary>
    public async Task<NpgsqlConnection> OpenAsync(int port, string database, CancellationToken cancellationToken)
    {
        var c = new NpgsqlConnection($"Host=localhost;Port={Text(port)};Username={_user};Database={database};Pooling=false;Timeout=3;Command Timeout=5");
        try { await c.OpenAsync(cancellationToken); }
        catch { await c.DisposeAsync(); throw; }
        return c;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var keeper in _keepers.Values)
        {
            try { keeper.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            keeper.Dispose();
        }
        _keepers.Clear();
        foreach (var name in new[] { "monitor", Node(0), Node(1) })
        {
            using var postmaster = PostmasterOf(Data(name));
            try { postmaster?.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
        await Task.Yield();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private async Task TuneMonitorAsync(IReadOnlyDictionary<string, string> settings, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var needsRestart = false;
        await using (var c = await OpenAsync(MonitorPort, "pg_auto_failover", cancellationToken))
        {
            foreach (var (name, value) in settings)
            {
                // ALTER SYSTEM takes no parameters; names and values are our own constants.
                await using var set = new NpgsqlCommand($"ALTER SYSTEM SET {name} = '{value}'", c);
                await set.ExecuteNonQueryAsync(cancellationToken);
            }
            await using var loadTime = new NpgsqlCommand("SELECT pg_conf_load_time()", c);
            var before = (DateTime)(await loadTime.ExecuteScalarAsync(cancellationToken))!;
            await using (var reload = new NpgsqlCommand("SELECT pg_reload_conf()", c)) await reload.ExecuteNonQueryAsync(cancellationToken);
            // The reload is asynchronous: pending_restart means something once this session has read the new files.
            var reloadBy = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while ((DateTime)(await loadTime.ExecuteScalarAsync(cancellationToken))! <= before)
            {
                if (DateTime.UtcNow > reloadBy) throw new TimeoutException("the monitor did not reload its configuration within 10 s");
                await Task.Delay(20, cancellationToken);
            }
            await using var read = new NpgsqlCommand("SELECT bool_or(pending_restart) FROM pg_settings WHERE name LIKE 'pgautofailover.%'", c);
            needsRestart = await read.ExecuteScalarAsync(cancellationToken) is true;
        }
        if (needsRestart)
        {
            await _runner.RunAsync(PgAutoCtl, ["stop", "--pgdata", Data("monitor")], _root, cancellationToken, allowFailure: true);
            if (_keepers.Remove("monitor", out var old)) { await old.WaitForExitAsync(cancellationToken); old.Dispose(); }
            Start("monitor", ["run", "--pgdata", Data("monitor")]);
        }
        await PollAsync("the monitor settings", deadline, async ct =>
        {
            await using var c = await OpenAsync(MonitorPort, "pg_auto_failover", ct);
            var applied = new List<string>();
            foreach (var name in settings.Keys)
            {
                await using var q = new NpgsqlCommand("SELECT setting || coalesce(unit, '') FROM pg_settings WHERE name = $1", c);
                q.Parameters.AddWithValue(name);
                applied.Add($"{name} = {await q.ExecuteScalarAsync(ct)}");
            }
            Settings = applied;
            return true;
        }, cancellationToken);
    }

    private async Task InitDbAsync(string name, CancellationToken cancellationToken)
    {
        await _runner.RunAsync(PgBin + "/initdb", ["-D", Data(name), "-A", "trust"], _root, cancellationToken);
        await File.AppendAllTextAsync(Path.Combine(Data(name), "postgresql.conf"),
            $"\nunix_socket_directories = '{Data("sock")}'\n", cancellationToken);
    }

    private void StartNode(int index, bool create)
    {
        string[] arguments = create
            ? ["create", "postgres", "--pgdata", Data(Node(index)), "--pgport", Text(NodePorts[index]), "--pgctl", PgBin + "/pg_ctl",
                "--hostname", "localhost", "--name", Node(index),
                "--monitor", $"postgres://autoctl_node@localhost:{Text(MonitorPort)}/pg_auto_failover?sslmode=disable",
                "--auth", "trust", "--no-ssl", "--run"]
            : ["run", "--pgdata", Data(Node(index))];
        Start(Node(index), arguments);
    }

    /// <summary>Starts a long-running pg_autoctl as the lab user; its output goes to NAME.log in the root.</summary>
    private void Start(string name, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(_runner.OsUser is null ? PgAutoCtl : "runuser")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        if (_runner.OsUser is not null)
        {
            foreach (var a in new[] { "-u", _runner.OsUser, "--", PgAutoCtl }) info.ArgumentList.Add(a);
        }
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["PATH"] = PgBin + ":" + Environment.GetEnvironmentVariable("PATH");
        info.Environment["LC_ALL"] = "C.UTF-8";
        // pg_autoctl keeps its state under XDG folders; the lab user has no home.
        info.Environment["XDG_CONFIG_HOME"] = Path.Combine(_root, "config");
        info.Environment["XDG_DATA_HOME"] = Path.Combine(_root, "share");
        info.Environment["XDG_RUNTIME_DIR"] = Path.Combine(_root, "run");
        info.Environment["PGHOST"] = Data("sock"); // pg_autoctl's own local connections
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start pg_autoctl for {name}");
        process.StandardInput.Close();
        var log = new StreamWriter(Path.Combine(_root, name + ".log"), append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _keepers[name] = process;
    }

    private async Task PollAsync(string what, TimeSpan deadline, Func<CancellationToken, Task<bool>> condition, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition(cancellationToken)) return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
            {
                last = e;
            }
            if (Stopwatch.GetElapsedTime(started) > deadline)
                throw new TimeoutException($"pg_auto_failover: no {what} within {deadline.TotalSeconds:0} s (logs in {_root}; last error: {last?.Message ?? "none"})");
            await Task.Delay(100, cancellationToken);
        }
    }

    private int NodeIndex(int port) => NodePorts[0] == port ? 0 : NodePorts[1] == port ? 1
        : throw new ArgumentException($"no node on port {port}", nameof(port));

    private static string Node(int index) => "node" + Text(index + 1);

    private string Data(string name) => Path.Combine(_root, name);

    /// <summary>The postmaster of a data folder (first line of postmaster.pid), or null when none runs.</summary>
    private static Process? PostmasterOf(string data)
    {
        try
        {
            var first = File.ReadLines(Path.Combine(data, "postmaster.pid")).FirstOrDefault();
            if (!int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return null;
            var process = Process.GetProcessById(pid);
            // A stale file after kill -9 may name a pid reused by something else.
            if (process.ProcessName == "postgres") return process;
            process.Dispose();
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
