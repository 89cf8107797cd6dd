using PgxcBot.Lab.Pgxc;

namespace PgxcBot.Lab.Pairs;

/// <summary>How the master waits for its slave.</summary>
public enum LabReplicationMode
{
    /// <summary>synchronous_standby_names names the slave: commits wait for it.</summary>
    Sync,
    /// <summary>No synchronous standby: commits do not wait.</summary>
    Async,
}

/// <summary>Settings for lab pairs. The defaults favour speed: they are for tests and demos, not data.</summary>
public sealed record LabPairOptions
{
    /// <summary>Folder under which every pair gets its own unique folder. Must be traversable by
    /// <see cref="OsUser"/>. Default: the system temp folder's <c>pgxcbot-lab</c>.</summary>
    public string TempRoot { get; init; } = Path.Combine(Path.GetTempPath(), "pgxcbot-lab");

    /// <summary>Server programs; null discovers them (<see cref="PgBinaries.Discover"/>).</summary>
    public PgBinaries? Binaries { get; init; }

    /// <summary>Unprivileged OS user the servers run as when this process is root (created if missing).</summary>
    public string OsUser { get; init; } = "pgxcbot-lab";

    /// <summary>Database superuser created by initdb.</summary>
    public string SuperUser { get; init; } = "postgres";

    /// <summary>Optional password for <see cref="SuperUser"/>. Loopback connections are trusted anyway;
    /// the password only matters to clients that send one.</summary>
    public string? SuperUserPassword { get; init; }

    /// <summary>fsync off makes building and writing much faster; a crash of the machine may then
    /// corrupt the lab data, which is fine for throwaway servers.</summary>
    public bool Fsync { get; init; }

    public string SharedBuffers { get; init; } = "16MB";

    public int MaxConnections { get; init; } = 40;

    /// <summary>Bound for each server start and stop (pg_ctl -t).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>False builds only the master: the slave's data directory is left absent (not even created),
    /// for runbooks that set the slave up themselves. <see cref="LabPair.Slave"/> still names its port and folder.</summary>
    public bool CloneSlave { get; init; } = true;

    /// <summary>Build the master with wal_level = minimal and max_wal_senders = 0 (no replication possible
    /// until a restart with other settings); only meaningful with <see cref="CloneSlave"/> false.</summary>
    public bool MinimalWal { get; init; }

    /// <summary>Bound for the slave to show up as streaming (and sync) on its master.</summary>
    public TimeSpan StreamingTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A Postgres-XC/XL installation: the pairs are then its datanodes (and <see cref="Binaries"/> is
    /// ignored). Null (the default): plain PostgreSQL pairs.</summary>
    public PgxcInstallation? Installation { get; init; }

    /// <summary>The GTM that XC/XL servers register on; LabCluster sets it to the GTM it starts.</summary>
    public LabGtmEndpoint? Gtm { get; init; }

    /// <summary>
    /// Postgres-XL only: make each slave answer SQL while in recovery (<c>global_snapshot_source =
    /// 'coordinator'</c>, kept after a promote). False (the default) is the stock standby, which refuses every
    /// connection with XX000 "Was unable to obtain a snapshot from GTM". XC and PostgreSQL standbys answer anyway.
    /// A queryable standby fresh from a base backup crashes on every connection until it replays a running-xacts
    /// record; the builder logs one (<see cref="LabPair.LogStandbySnapshotAsync"/>) before it returns the pair.
    /// </summary>
    public bool QueryableStandby { get; init; }

    /// <summary>XC/XL: where pristine <c>initdb --nodename</c> results are kept and copied from instead of running
    /// initdb for every node (no reuse when a <see cref="SuperUserPassword"/> is set). Null: initdb every time,
    /// except that LabCluster then uses <c>{TempRoot}/initdb-templates</c>.</summary>
    public string? InitDbTemplates { get; init; }
}
