namespace PgxcBot.Core.Topology;

/// <summary>
/// The configuration file as bound by the loader. Mutable and nullable on purpose: it holds whatever the
/// operator wrote, and <see cref="ConfigValidator"/> turns it into a list of mistakes or a
/// <see cref="ClusterTopology"/>. Nothing else in the program reads these classes directly.
/// </summary>
public sealed class PgxcBotOptions
{
    /// <summary>postgres-xc | postgres-xl | postgresql.</summary>
    public string? Flavor { get; set; }
    public List<HostOptions> Hosts { get; set; } = [];
    public List<DatanodeOptions> Datanodes { get; set; } = [];
    public List<CoordinatorOptions> Coordinators { get; set; } = [];
    public DatabaseOptions Database { get; set; } = new();
    public MonitorOptions Monitor { get; set; } = new();
    public StoreOptions Store { get; set; } = new();
    public ApprovalOptions Approvals { get; set; } = new();
    /// <summary>Optional: the Discord adapter (see <see cref="DiscordOptions"/>).</summary>
    public DiscordOptions? Discord { get; set; }
    public AlertOptions Alerts { get; set; } = new();
    /// <summary>Optional (Postgres-XC/XL): the GTM the nodes take transaction ids and snapshots from.</summary>
    public GtmOptions? Gtm { get; set; }
    /// <summary>Optional: OpenTelemetry export by OTLP (see <see cref="TelemetryOptions"/>).</summary>
    public TelemetryOptions? Telemetry { get; set; }
}

/// <summary>The GTM (and its proxies): status shows whether each answers, a GTM outage is one alert, and a
/// promote unregisters the old node name from it first.</summary>
public sealed class GtmOptions
{
    public string? Host { get; set; }
    public int? Port { get; set; }
    /// <summary>The GTM's data directory on its host (for the operator's commands); optional.</summary>
    public string? DataDir { get; set; }
    public List<GtmProxyOptions> Proxies { get; set; } = [];
}

public sealed class GtmProxyOptions
{
    public string? Name { get; set; }
    public string? Host { get; set; }
    public int? Port { get; set; }
}

/// <summary>Chat user ids and role ids (Discord snowflakes, or console names in the lab).</summary>
public sealed class PrincipalOptions
{
    public List<string> Users { get; set; } = [];
    public List<string> Roles { get; set; } = [];
}

/// <summary>Who may ask for operations, who may approve them, and for how long a request stays approvable.</summary>
public sealed class ApprovalOptions
{
    public PrincipalOptions Requesters { get; set; } = new();
    public PrincipalOptions Approvers { get; set; } = new();
    public bool? AllowSelfApproval { get; set; }
    public double? ExpiryMinutes { get; set; }
}

public sealed class HostOptions
{
    public string? Name { get; set; }
    /// <summary>Network address (DNS name or IP) used both for SSH and for PostgreSQL connections.</summary>
    public string? Address { get; set; }
    /// <summary>ssh (default) | local (the lab: run on this machine as <see cref="User"/>).</summary>
    public string? Transport { get; set; }
    public int? SshPort { get; set; }
    /// <summary>OS user the runbook commands run as (the runbook's <c>postgresxc</c>).</summary>
    public string? User { get; set; }
    /// <summary>Pinned host key, as OpenSSH prints it: <c>SHA256:base64</c>.</summary>
    public string? HostKeyFingerprint { get; set; }
    public string? KeyFile { get; set; }
    public SecretReference? KeyPassphrase { get; set; }
    /// <summary>Where pg_ctl lives on the host (e.g. /usr/lib/postgresql/15/bin); default: on the PATH.</summary>
    public string? PgBinDir { get; set; }
}

public sealed class ServerOptions
{
    public string? Host { get; set; }
    public int? Port { get; set; }
    public string? DataDir { get; set; }
    /// <summary>Postgres-XL: this server's own pooler_port (each server needs its own; a base backup copies the master's).</summary>
    public int? PoolerPort { get; set; }
}

public sealed class SlaveOptions
{
    public string? Host { get; set; }
    public int? Port { get; set; }
    public string? DataDir { get; set; }
    /// <summary>The slave's application_name, as listed in synchronous_standby_names.</summary>
    public string? ApplicationName { get; set; }
    /// <summary>WAL archive directory on the slave host; optional.</summary>
    public string? ArchiveDir { get; set; }
    /// <summary>Postgres-XL: this server's own pooler_port (each server needs its own; a base backup copies the master's).</summary>
    public int? PoolerPort { get; set; }
}

public sealed class DatanodeOptions
{
    public string? Name { get; set; }
    public ServerOptions? Master { get; set; }
    public SlaveOptions? Slave { get; set; }
}

public sealed class CoordinatorOptions
{
    public string? Name { get; set; }
    public string? Host { get; set; }
    public int? Port { get; set; }
}

/// <summary>A secret given by reference only: an environment variable or a file, never the value itself.</summary>
public sealed class SecretReference
{
    public string? Env { get; set; }
    public string? File { get; set; }
}

public sealed class DatabaseOptions
{
    public string? User { get; set; }
    public string? Database { get; set; }
    public SecretReference? Password { get; set; }
}

public sealed class MonitorOptions
{
    public double? IntervalSeconds { get; set; }
    public double? ConnectTimeoutSeconds { get; set; }
    public double? CommandTimeoutSeconds { get; set; }
    public long? LagWarningBytes { get; set; }
    public long? LagCriticalBytes { get; set; }
    public double? LagWarningSeconds { get; set; }
    public double? LagCriticalSeconds { get; set; }
    /// <summary>WAL kept on a master (its pg_wal, or what one slot or the archiver holds back) that warns; default 1 GiB.</summary>
    public long? WalRetainedWarningBytes { get; set; }
    /// <summary>... that is critical; default 8 GiB.</summary>
    public long? WalRetainedCriticalBytes { get; set; }
    /// <summary>Age of a prepared transaction that warns; default 60 s.</summary>
    public double? PreparedTransactionWarningSeconds { get; set; }
    /// <summary>... that is critical; default 900 s.</summary>
    public double? PreparedTransactionCriticalSeconds { get; set; }
    /// <summary>How often the fast commit watch queries each master for commits waiting on a missing or silent
    /// slave; default 0.05 s; 0 turns it off.</summary>
    public double? CommitWatchSeconds { get; set; }
    /// <summary>Optional "address:port" for /metrics (Prometheus) and /healthz, e.g. "127.0.0.1:9187"; off when absent.</summary>
    public string? HttpListen { get; set; }
}

public sealed class StoreOptions
{
    /// <summary>Path of the SQLite file; relative paths are relative to the config file.</summary>
    public string? Path { get; set; }
    /// <summary>An Npgsql connection string to a PostgreSQL database the replicas share, by reference (env or file):
    /// when set, the store is that database and the replicas elect a leader in it; store.path is then not used.</summary>
    public SecretReference? ConnectionString { get; set; }
    /// <summary>This replica's name in the shared store (unique per replica); default: the host name.</summary>
    public string? ReplicaId { get; set; }
    /// <summary>How long the leader lease lasts without renewal, seconds (renewed every third of it); default 15.</summary>
    public double? LeaseSeconds { get; set; }
}
