namespace PgxcBot.Core.Topology;

public enum Flavor { PostgresXc, PostgresXl, PostgreSql }

public enum TransportKind { Ssh, Local }

/// <summary>A host from the config, validated.</summary>
public sealed record Host(
    string Name,
    string Address,
    TransportKind Transport,
    int SshPort,
    string User,
    string? HostKeyFingerprint,
    string? KeyFile,
    SecretReference? KeyPassphrase)
{
    /// <summary>Where pg_ctl and friends live on this host; null means they are on the PATH.</summary>
    public string? PgBinDir { get; init; }
}

/// <summary>Where one PostgreSQL server of a pair lives.</summary>
public sealed record ServerLocation(string HostName, string Address, int Port, string DataDir)
{
    public string Endpoint => $"{Address}:{Port}";

    /// <summary>Postgres-XL: the server's own pooler_port (config <c>poolerPort</c>); null when not given.</summary>
    public int? PoolerPort { get; init; }
}

/// <summary>A GTM or GTM proxy endpoint from the config.</summary>
public sealed record GtmServer(string Name, string HostName, string Address, int Port)
{
    public string Endpoint => $"{Address}:{Port}";
}

/// <summary>The config's <c>gtm</c> section: the GTM itself and its proxies.</summary>
public sealed record GtmSettings(GtmServer Gtm, string? DataDir, IReadOnlyList<GtmServer> Proxies);

/// <summary>
/// A datanode pair as it stands now. The config gives the initial roles; after a promote the store
/// holds the swapped roles and <see cref="ClusterTopology.WithPair"/> applies them.
/// </summary>
public sealed record DatanodePair(
    string Name,
    ServerLocation Master,
    ServerLocation? Slave,
    string ApplicationName,
    string? ArchiveDir);

public sealed record Coordinator(string Name, string HostName, string Address, int Port)
{
    public string Endpoint => $"{Address}:{Port}";
}

public sealed record MonitorSettings(
    TimeSpan Interval,
    TimeSpan ConnectTimeout,
    TimeSpan CommandTimeout,
    long LagWarningBytes,
    long LagCriticalBytes,
    TimeSpan LagWarning,
    TimeSpan LagCritical)
{
    public static MonitorSettings Default { get; } = new(
        Interval: TimeSpan.FromSeconds(1),
        ConnectTimeout: TimeSpan.FromSeconds(2),
        CommandTimeout: TimeSpan.FromSeconds(2),
        LagWarningBytes: 16L * 1024 * 1024,
        LagCriticalBytes: 256L * 1024 * 1024,
        LagWarning: TimeSpan.FromSeconds(10),
        LagCritical: TimeSpan.FromSeconds(60));

    /// <summary>How often the fast commit watch looks at each master (<c>monitor.commitWatchSeconds</c>, 0.05 s);
    /// zero turns it off (blocked commits are then found by the poll alone).</summary>
    public TimeSpan CommitWatchInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Where /metrics and /healthz are served (<c>monitor.httpListen</c>); null (the default): no HTTP.</summary>
    public System.Net.IPEndPoint? HttpListen { get; init; }

    /// <summary>WAL a master keeps beyond need that is a warning (<c>monitor.walRetainedWarningBytes</c>, 1 GiB):
    /// the WAL directory's size, or what one slot or the archiver holds back.</summary>
    public long WalRetainedWarningBytes { get; init; } = 1L << 30;

    /// <summary>... and critical (<c>monitor.walRetainedCriticalBytes</c>, 8 GiB).</summary>
    public long WalRetainedCriticalBytes { get; init; } = 8L << 30;

    /// <summary>A prepared transaction older than this is stuck (<c>monitor.preparedTransactionWarningSeconds</c>,
    /// 60 s): coordinators finish theirs in milliseconds.</summary>
    public TimeSpan PreparedWarning { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>... and critical (<c>monitor.preparedTransactionCriticalSeconds</c>, 15 min).</summary>
    public TimeSpan PreparedCritical { get; init; } = TimeSpan.FromMinutes(15);
}

/// <summary>The store the bot's replicas share (<c>store.connectionString</c>): the secret holding the Npgsql connection
/// string, this replica's id (null: the host name) and the leader lease's duration.</summary>
public sealed record SharedStoreSettings(SecretReference ConnectionString, string? ReplicaId, TimeSpan Lease);

public sealed record DatabaseCredentials(string User, string Database, SecretReference? Password);

/// <summary>The validated, immutable picture of what the cluster should look like.</summary>
public sealed record ClusterTopology(
    Flavor Flavor,
    IReadOnlyList<Host> Hosts,
    IReadOnlyList<DatanodePair> Datanodes,
    IReadOnlyList<Coordinator> Coordinators,
    DatabaseCredentials Database,
    MonitorSettings Monitor,
    string StorePath)
{
    /// <summary>The shared PostgreSQL store and this replica's lease; null: the embedded SQLite store at <see cref="StorePath"/>.</summary>
    public SharedStoreSettings? SharedStore { get; init; }

    /// <summary>Who may request and approve operations; nobody, until the config says so.</summary>
    public Operations.ApprovalPolicy Approvals { get; init; } = Operations.ApprovalPolicy.Nobody;

    /// <summary>The Discord adapter's settings; null when the config has no discord section.</summary>
    public DiscordSettings? Discord { get; init; }
    /// <summary>How alerts behave and what the monitor may do by itself (the <c>alerts</c> section).</summary>
    public Monitoring.AlertSettings Alerts { get; init; } = Monitoring.AlertSettings.Default;

    /// <summary>The GTM and its proxies (Postgres-XC/XL); null when the config names none.</summary>
    public GtmSettings? Gtm { get; init; }

    /// <summary>Where OpenTelemetry metrics and traces are pushed (the <c>telemetry</c> section); <see cref="TelemetrySettings.None"/> when absent.</summary>
    public TelemetrySettings Telemetry { get; init; } = TelemetrySettings.None;

    public DatanodePair? FindDatanode(string name) =>
        Datanodes.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.Ordinal));

    public Host? FindHost(string name) =>
        Hosts.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.Ordinal));

    /// <summary>Replaces one pair (same name), e.g. after a promote swapped its roles.</summary>
    public ClusterTopology WithPair(DatanodePair pair) => this with
    {
        Datanodes = Datanodes.Select(d => d.Name == pair.Name ? pair : d).ToArray(),
    };
}
