using System.Text.RegularExpressions;
using PgxcBot.Core.Remote;

namespace PgxcBot.Tests.Operations;

/// <summary>
/// A small in-memory cluster that answers the commands and SQL the runbooks send, with the effects the
/// real servers have (promote leaves recovery, stop refuses connections, ALTER NODE changes a catalog),
/// so runbook logic is tested without servers. Integration tests do the same against real ones.
/// Safe for concurrent callers (race tests): every call runs under one lock, like one cluster answering.
/// </summary>
internal sealed partial class FakeCluster : IRemoteShell, ISqlExecutor, IClusterObserver
{
    public sealed class Server(string endpoint, bool inRecovery)
    {
        public string Endpoint { get; } = endpoint;
        public bool Running { get; set; } = true;
        public bool InRecovery { get; set; } = inRecovery;
        public string SyncNames { get; set; } = "";
        public string SyncState { get; set; } = "sync";
        public string? Name { get; set; }
    }

    public readonly Dictionary<string, Server> Servers = new();
    public readonly Dictionary<string, Dictionary<string, string>> Catalogs = new(); // coordinator or datanode name -> node -> host|port
    public readonly HashSet<string> DownHosts = new();
    public readonly HashSet<string> DownCoordinators = new();
    public readonly HashSet<string> Files = new();
    public readonly List<string> Log = new();

    public ClusterTopology Topology { get; private set; }

    /// <summary>What the bot remembers of earlier observations (the master's last sighting).</summary>
    public PgxcBot.Core.Assessment.AssessmentMemory Memory { get; } = new();

    /// <summary>Observes and assesses the cluster now, as the monitor's poll would: the sighting a promote is judged by.</summary>
    public void Sight() =>
        Memory.Remember(PgxcBot.Core.Assessment.ClusterAssessor.Assess(Topology, ObserveAsync(Topology, default).GetAwaiter().GetResult(), Memory.Latest));

    private readonly Lock _gate = new();

    /// <summary>How many commands the runbooks ran whose text contains <paramref name="fragment"/>.</summary>
    public int Ran(string fragment)
    {
        lock (_gate) return Log.Count(l => l.Contains(fragment, StringComparison.Ordinal));
    }

    /// <summary>The runbook's failure in the fakes: <paramref name="datanode"/>'s master stops, and <paramref name="pairs"/>
    /// holds what the monitor would have stored: the pair DegradedMasterLost, reached from <paramref name="was"/> at <paramref name="at"/>.</summary>
    public void MasterLost(Support.MemoryPairStateStore pairs, string datanode, DateTimeOffset at, Core.Pairs.PairState was = Core.Pairs.PairState.Sync)
    {
        pairs.States[datanode] = Core.Pairs.PairState.DegradedMasterLost;
        pairs.Transitions.Add(new Core.Pairs.PairTransition(datanode, at, was, Core.Pairs.PairState.DegradedMasterLost,
            Core.Pairs.PairTrigger.ObservedMasterLost, "master lost"));
        Servers[Topology.Datanodes.Single(d => d.Name == datanode).Master.Endpoint].Running = false;
    }

    public FakeCluster(ClusterTopology topology)
    {
        Topology = topology;
        foreach (var pair in topology.Datanodes)
        {
            Servers[pair.Master.Endpoint] = new Server(pair.Master.Endpoint, false) { Name = pair.Name, SyncNames = pair.ApplicationName };
            if (pair.Slave is not null) Servers[pair.Slave.Endpoint] = new Server(pair.Slave.Endpoint, true) { Name = pair.Name };
        }
        foreach (var catalogOwner in topology.Coordinators.Select(c => c.Name).Concat(topology.Datanodes.Select(d => d.Name)))
            Catalogs[catalogOwner] = topology.Datanodes.ToDictionary(d => d.Name, d => $"{d.Master.Address}|{d.Master.Port}");
    }

    public Task<CommandResult> RunAsync(Host host, ShellCommand command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (_gate) return Run(host, command);
    }

    private Task<CommandResult> Run(Host host, ShellCommand command)
    {
        Log.Add($"{host.Name}$ {command.Text}");
        if (DownHosts.Contains(host.Name))
            throw new RemoteExecutionException(host.Name, RemoteFailure.Unreachable, $"{host.Name}: no route");
        var args = command.Arguments;
        int exit = 0;
        if (args[0].EndsWith("pg_ctl", StringComparison.Ordinal))
        {
            var server = ServerByDir(args[^1]);
            switch (args[1])
            {
                case "stop": exit = server.Running ? 0 : 1; server.Running = false; break;
                case "promote": exit = server.InRecovery ? 0 : 1; server.InRecovery = false; break;
                case "status": exit = server.Running ? 0 : 3; break;
                case "start": exit = server.Running ? 1 : 0; server.Running = true; break;
                case "reload": break;
            }
        }
        else if (args[0] == "sh" && args[3] == "pgxcbot-write") Files.Add(args[^1]);
        else if (args[0] == "test") exit = Files.Contains(args[^1]) ? 0 : 1;
        return Task.FromResult(new CommandResult(exit, "", "", TimeSpan.Zero));
    }

    public Task<SqlResult> ExecuteAsync(SqlTarget target, string sql, TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (_gate) return Execute(target, sql);
    }

    private Task<SqlResult> Execute(SqlTarget target, string sql)
    {
        Log.Add($"{target.Name}=# {sql}");
        var endpoint = $"{target.Address}:{target.Port}";
        if (Topology.Coordinators.FirstOrDefault(c => c.Endpoint == endpoint) is { } coordinator)
            return Task.FromResult(Coordinator(coordinator, target, sql));
        var server = Servers[endpoint];
        if (!server.Running) throw new SqlExecutionException(target, null, "connection refused");
        if (sql == "SELECT 1") return Row("1");
        if (sql == "SELECT pg_is_in_recovery()") return Row(server.InRecovery ? "t" : "f");
        if (sql == "SELECT pg_reload_conf()") return Row("t");
        if (SetSync().Match(sql) is { Success: true } m) { server.SyncNames = m.Groups[1].Value; return Row(); }
        if (sql.StartsWith("ALTER SYSTEM SET synchronous_commit", StringComparison.Ordinal)) return Row();
        if (sql == "SELECT current_setting('synchronous_standby_names')") return Row(server.SyncNames);
        if (sql.StartsWith("SELECT sync_state FROM pg_stat_replication", StringComparison.Ordinal))
            return server.SyncNames.Length > 0 ? Row(server.SyncState) : Task.FromResult(new SqlResult(["sync_state"], []));
        if (sql.StartsWith("SELECT count(*) FROM pg_stat_activity", StringComparison.Ordinal)) return Row("0");
        if (SlaveStreamsFrom(server) is { } streaming)
        {
            // The lifecycle runbooks' replication probes: state, then (caught up) the lag test.
            if (sql.StartsWith("SELECT state FROM pg_stat_replication", StringComparison.Ordinal))
                return streaming ? Row("streaming") : Task.FromResult(new SqlResult(["state"], []));
            if (sql.StartsWith("SELECT state, pg_wal_lsn_diff", StringComparison.Ordinal))
                return streaming ? Row("streaming", "t") : Task.FromResult(new SqlResult(["state"], []));
        }
        throw new SqlExecutionException(target, "42601", $"fake cluster does not know: {sql}");
    }

    private SqlResult Coordinator(Coordinator coordinator, SqlTarget target, string sql)
    {
        if (DownCoordinators.Contains(coordinator.Name)) throw new SqlExecutionException(target, null, "connection refused");
        var direct = ExecuteDirect().Match(sql);
        var catalogOwner = direct.Success ? direct.Groups[1].Value : coordinator.Name;
        var statement = direct.Success ? direct.Groups[2].Value.Replace("''", "'", StringComparison.Ordinal) : sql;
        var catalog = Catalogs[catalogOwner];

        if (AlterNode().Match(statement) is { Success: true } alter)
        {
            catalog[alter.Groups[1].Value] = $"{alter.Groups[2].Value}|{alter.Groups[3].Value}";
            return new SqlResult([], []);
        }
        if (statement is "SELECT pgxc_pool_reload()" or "SELECT pgxc_pool_check()") return One("t");
        if (ReadRow().Match(statement) is { Success: true } read) return One(catalog[read.Groups[1].Value]);
        if (direct.Success && statement == "SELECT pgxc_node_str()::text, inet_server_port()::text, pg_is_in_recovery()::text")
        {
            // EXECUTE DIRECT goes where the coordinator's own catalog points the node.
            var route = Catalogs[coordinator.Name][catalogOwner].Split('|');
            var (host, port) = (route[0], route[1]);
            var behind = Servers.Values.FirstOrDefault(s => s.Endpoint == $"{host}:{port}" && s.Running)
                ?? throw new SqlExecutionException(target, "53000", "Failed to get pooled connections");
            return One($"{behind.Name}|{port}|{(behind.InRecovery ? "true" : "false")}");
        }
        throw new SqlExecutionException(target, "42601", $"fake coordinator does not know: {sql}");
    }

    public Task<ClusterSnapshot> ObserveAsync(ClusterTopology topology, CancellationToken cancellationToken) =>
        Task.FromResult(Snapshot(topology));

    /// <summary>A snapshot consistent with the fake's state, for the planners.</summary>
    public ClusterSnapshot Snapshot(ClusterTopology topology)
    {
        lock (_gate) return TakeSnapshot(topology);
    }

    private ClusterSnapshot TakeSnapshot(ClusterTopology topology)
    {
        var pairs = topology.Datanodes.Select(pair =>
        {
            var master = Probe(pair, ServerRole.Master, pair.Master, pair.Slave);
            var slave = pair.Slave is null ? null : Probe(pair, ServerRole.Slave, pair.Slave, null);
            return new PairObservation(pair.Name, master, slave);
        }).ToArray();
        var coordinators = topology.Coordinators.Select(c => new CoordinatorProbe(c.Name, c.Address, c.Port,
            DownCoordinators.Contains(c.Name) ? ProbeStatus.Unreachable : ProbeStatus.Ok, null, TimeSpan.Zero, "fake",
            Catalogs[c.Name].Select(kv => new PgxcNodeRow(kv.Key, 'D', kv.Value.Split('|')[0], int.Parse(kv.Value.Split('|')[1], System.Globalization.CultureInfo.InvariantCulture))).ToArray())).ToArray();
        return new ClusterSnapshot(DateTimeOffset.UnixEpoch, TimeSpan.Zero, pairs, coordinators);
    }

    private ServerProbe Probe(DatanodePair pair, ServerRole role, ServerLocation location, ServerLocation? slave)
    {
        var server = Servers[location.Endpoint];
        if (!server.Running) return new ServerProbe(pair.Name, role, location, ProbeStatus.Unreachable, "connection refused", TimeSpan.Zero, null);
        var replication = new List<ReplicationRow>();
        if (!server.InRecovery && slave is not null && Servers[slave.Endpoint] is { Running: true, InRecovery: true })
            replication.Add(new ReplicationRow(pair.ApplicationName, slave.Address, "streaming", server.SyncNames.Length > 0 ? server.SyncState : "async",
                new Lsn(100), new Lsn(100), new Lsn(100), new Lsn(100), TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, null));
        var facts = new ServerFacts("15.18", 150018, server.InRecovery, server.SyncNames, "on", server.InRecovery ? null : new Lsn(100),
            replication, server.InRecovery ? new StandbyFacts(new Lsn(100), new Lsn(100), TimeSpan.Zero, "streaming", null, null) : null, 0, "7000", 1);
        return new ServerProbe(pair.Name, role, location, ProbeStatus.Ok, null, TimeSpan.Zero, facts);
    }

    /// <summary>For a master: whether its pair's slave runs as a standby (and so streams); null for other servers.</summary>
    private bool? SlaveStreamsFrom(Server master)
    {
        var pair = Topology.Datanodes.FirstOrDefault(d => d.Master.Endpoint == master.Endpoint || d.Slave?.Endpoint == master.Endpoint);
        if (pair?.Slave is null || master.InRecovery) return null;
        var other = pair.Master.Endpoint == master.Endpoint ? pair.Slave.Endpoint : pair.Master.Endpoint;
        return Servers[other] is { Running: true, InRecovery: true };
    }

    private Server ServerByDir(string dataDir)
    {
        var location = Topology.Datanodes.SelectMany(d => new[] { d.Master, d.Slave }).First(l => l?.DataDir == dataDir)!;
        return Servers[location.Endpoint];
    }

    private static Task<SqlResult> Row(params string[] values) => Task.FromResult(One(values));
    private static SqlResult One(params string[] values) => new(values.Select((_, i) => $"c{i}").ToArray(), values.Length == 0 ? [] : [values]);

    [GeneratedRegex(@"^ALTER SYSTEM SET synchronous_standby_names = '(.*)'$")]
    private static partial Regex SetSync();
    [GeneratedRegex(@"^EXECUTE DIRECT ON \(""(\w+)""\) '(.*)'$", RegexOptions.Singleline)]
    private static partial Regex ExecuteDirect();
    [GeneratedRegex(@"^ALTER NODE ""(\w+)"" WITH \(HOST = '([^']+)', PORT = (\d+)")]
    private static partial Regex AlterNode();
    [GeneratedRegex(@"^SELECT node_host::text, node_port::text FROM pgxc_node WHERE node_name = '(\w+)'$")]
    private static partial Regex ReadRow();
}
