using PgxcBot.Tests.Assessment;
using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Support;

/// <summary>
/// Builds a topology and a snapshot by hand. Starts from a healthy cluster: every datanode a sync pair
/// (master node01:20006, slave node02:20010 for datanode1), every coordinator pointing at the masters.
/// Tests change the one thing their scenario is about.
/// </summary>
internal sealed class ClusterBuilder
{
    public static readonly DateTimeOffset Now = new(2026, 11, 26, 3, 0, 0, TimeSpan.Zero);
    public static readonly Lsn Head = Lsn.Parse("0/30000000");
    private const string SystemId = "7300000000000000001";

    public sealed class PairSpec
    {
        public required DatanodePair Config { get; set; }
        public ProbeStatus MasterStatus { get; set; } = ProbeStatus.Ok;
        public string? MasterError { get; set; }
        public required ServerFacts Master { get; set; }
        public ProbeStatus SlaveStatus { get; set; } = ProbeStatus.Ok;
        public string? SlaveError { get; set; }
        public required ServerFacts Slave { get; set; }
        /// <summary>What the monitor's commit watch measured on the master, carried by a poll (null: nothing).</summary>
        public SilentSlaveSighting? SilentSlave { get; set; }

        /// <summary>The master's pg_stat_replication row for the slave (first row).</summary>
        public ReplicationRow Row
        {
            get => Master.Replication[0];
            set => Master = Master with { Replication = [value] };
        }

        public StandbyFacts Standby
        {
            get => Slave.Standby!;
            set => Slave = Slave with { Standby = value };
        }
    }

    public sealed class CoordinatorSpec
    {
        public required Coordinator Config { get; init; }
        public ProbeStatus Status { get; set; } = ProbeStatus.Ok;
        public List<PgxcNodeRow> Nodes { get; set; } = [];
    }

    public Dictionary<string, PairSpec> Pairs { get; } = new();
    public Dictionary<string, CoordinatorSpec> Coordinators { get; } = new();
    public MonitorSettings Monitor { get; set; } = MonitorSettings.Default;
    public DateTimeOffset TakenAt { get; set; } = Now;

    public ClusterBuilder(int datanodes = 1)
    {
        for (var i = 1; i <= datanodes; i++)
        {
            // datanode1: master on node01, slave on node02; datanode2 the mirror image, as in the runbook.
            var (mHost, mAddr, sHost, sAddr) = i % 2 == 1
                ? ("node01", "127.0.0.11", "node02", "127.0.0.12")
                : ("node02", "127.0.0.12", "node01", "127.0.0.11");
            var name = $"datanode{i}";
            var app = $"{name}_slave";
            var masterPort = 20006 + i - 1;
            var config = new DatanodePair(name,
                new ServerLocation(mHost, mAddr, masterPort, "/home/postgresxc/pgxc/datanode"),
                new ServerLocation(sHost, sAddr, 20010 + i - 1, $"/home/postgresxc/pgxc/{name}_slave"),
                app, $"/home/postgresxc/pgxc/{name}_arclog");
            Pairs[name] = new PairSpec
            {
                Config = config,
                Master = new ServerFacts("10.9 (Postgres-XL 10r1.1)", 100009, InRecovery: false,
                    SynchronousStandbyNames: app, SynchronousCommit: "on", CurrentWalLsn: Head,
                    Replication: [new ReplicationRow(app, sAddr, "streaming", "sync", Head, Head, Head, Head,
                        TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, Now.AddSeconds(-1))],
                    Standby: null, SyncRepWaiters: 0, SystemIdentifier: SystemId, Timeline: 1),
                Slave = new ServerFacts("10.9 (Postgres-XL 10r1.1)", 100009, InRecovery: true,
                    SynchronousStandbyNames: "", SynchronousCommit: "on", CurrentWalLsn: null, Replication: [],
                    Standby: new StandbyFacts(Head, Head, TimeSpan.FromSeconds(0.5), "streaming", mAddr, masterPort),
                    SyncRepWaiters: 0, SystemIdentifier: SystemId, Timeline: 1),
            };
        }
        AddCoordinator("coord1", "node01", "127.0.0.11");
        AddCoordinator("coord2", "node02", "127.0.0.12");
    }

    private void AddCoordinator(string name, string host, string address)
    {
        // coord1 names masters by host name, coord2 by address: both spellings must match.
        var byName = name == "coord1";
        Coordinators[name] = new CoordinatorSpec
        {
            Config = new Coordinator(name, host, address, 20004),
            Nodes = Pairs.Values.Select(p => new PgxcNodeRow(p.Config.Name, 'D',
                byName ? p.Config.Master.HostName : p.Config.Master.Address, p.Config.Master.Port)).ToList(),
        };
    }

    public PairSpec Pair(string name = "datanode1") => Pairs[name];

    public CoordinatorSpec Coordinator(string name) => Coordinators[name];

    public ClusterTopology Topology() => new(
        Flavor.PostgresXl,
        [],
        Pairs.Values.Select(p => p.Config).ToArray(),
        Coordinators.Values.Select(c => c.Config).ToArray(),
        new DatabaseCredentials("postgresxc", "postgres", null),
        Monitor,
        "state.db");

    public ClusterSnapshot Snapshot() => new(
        TakenAt,
        TimeSpan.FromMilliseconds(50),
        Pairs.Values.Select(p => new PairObservation(p.Config.Name,
            Probe(p.Config.Name, ServerRole.Master, p.Config.Master, p.MasterStatus, p.MasterError, p.Master),
            Probe(p.Config.Name, ServerRole.Slave, p.Config.Slave!, p.SlaveStatus, p.SlaveError, p.Slave)) { SilentSlave = p.SilentSlave }).ToArray(),
        Coordinators.Values.Select(c => new CoordinatorProbe(c.Config.Name, c.Config.Address, c.Config.Port, c.Status,
            c.Status == ProbeStatus.Ok ? null : "no answer", TimeSpan.FromSeconds(c.Status == ProbeStatus.Timeout ? 2 : 0.01),
            c.Status == ProbeStatus.Ok ? "10.9 (Postgres-XL 10r1.1)" : null,
            c.Status == ProbeStatus.Ok ? c.Nodes.ToArray() : [])).ToArray());

    public ClusterAssessment Assess(ClusterAssessment? previous = null) =>
        ClusterAssessor.Assess(Topology(), Snapshot(), previous);

    private static ServerProbe Probe(string datanode, ServerRole role, ServerLocation location, ProbeStatus status,
        string? error, ServerFacts facts) =>
        new(datanode, role, location, status, error,
            status == ProbeStatus.Timeout ? TimeSpan.FromSeconds(2) : TimeSpan.FromMilliseconds(5),
            status == ProbeStatus.Ok ? facts : null);

    // ---- scenario helpers --------------------------------------------------------------------------

    /// <summary>The slave process is gone: connection refused, and the master lost its walsender.</summary>
    public ClusterBuilder SlaveKilled(string datanode = "datanode1")
    {
        var p = Pair(datanode);
        p.SlaveStatus = ProbeStatus.Unreachable;
        p.SlaveError = "Connection refused";
        p.Master = p.Master with { Replication = [] };
        return this;
    }

    /// <summary>The master is gone; the slave no longer receives WAL.</summary>
    public ClusterBuilder MasterKilled(string datanode = "datanode1")
    {
        var p = Pair(datanode);
        p.MasterStatus = ProbeStatus.Unreachable;
        p.MasterError = "Connection refused";
        p.Standby = p.Standby with { WalReceiverStatus = null, SenderHost = null, SenderPort = null };
        return this;
    }

    /// <summary>The slave streams asynchronously: synchronous_standby_names is empty.</summary>
    public ClusterBuilder Async(string datanode = "datanode1")
    {
        var p = Pair(datanode);
        p.Master = p.Master with { SynchronousStandbyNames = "" };
        p.Row = p.Row with { SyncState = "async" };
        return this;
    }

    /// <summary>The slave has replayed (and received) <paramref name="bytesBehind"/> less than the master wrote.</summary>
    public ClusterBuilder SlaveBehind(long bytesBehind, TimeSpan? replayLag = null, string datanode = "datanode1")
    {
        var p = Pair(datanode);
        var behind = new Lsn(Head.Value - (ulong)bytesBehind);
        p.Row = p.Row with { FlushLsn = behind, ReplayLsn = behind, ReplayLag = replayLag ?? TimeSpan.FromSeconds(1) };
        p.Standby = p.Standby with { ReceiveLsn = behind, ReplayLsn = behind };
        return this;
    }
}
