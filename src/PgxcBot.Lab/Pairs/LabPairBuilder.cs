using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgxcBot.Core.Topology;
using PgxcBot.Lab.Pgxc;

namespace PgxcBot.Lab.Pairs;

/// <summary>
/// Builds real PostgreSQL master + hot standby pairs on loopback: initdb, configure, start the master,
/// pg_basebackup -R the slave with its application_name, start it, optionally make it synchronous, and
/// wait until the master's pg_stat_replication shows it streaming. As root, every server program runs
/// as the unprivileged <see cref="LabPairOptions.OsUser"/> (created if missing).
/// With <see cref="LabPairOptions.Installation"/> the pairs are Postgres-XC/XL datanodes instead: initdb
/// --nodename, the GTM of <see cref="LabPairOptions.Gtm"/>, a pooler_port per server on XL, a recovery.conf
/// for the slave, and data directories named <c>datanode1</c> and <c>datanode1_slave</c> (the slave's path
/// longer than the master's, as in the runbook).
/// </summary>
public sealed partial class LabPairBuilder
{
    private readonly LabPairOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _setupLock = new(1, 1);
    private (LabCommandRunner Runner, PgBinaries Binaries)? _setup;

    public LabPairBuilder(LabPairOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new LabPairOptions();
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<LabPairBuilder>();
    }

    /// <summary>Builds one pair. <paramref name="name"/> is the datanode name (lower-case letters,
    /// digits, underscore); the slave's application_name is <c>{name}_slave</c>. On failure everything
    /// built so far is stopped and removed before the exception propagates.</summary>
    public async Task<LabPair> BuildAsync(LabReplicationMode mode, CancellationToken cancellationToken, string name = "datanode1")
    {
        if (!ValidName().IsMatch(name))
            throw new ArgumentException($"Pair name '{name}' must be 1-40 lower-case letters, digits or '_'.", nameof(name));
        var pgxc = _options.Installation;
        if (pgxc is not null && _options.Gtm is null)
            throw new InvalidOperationException(
                $"A {pgxc.Flavor} pair needs a GTM: build it with LabCluster.StartAsync({pgxc.Flavor}, ...), or set LabPairOptions.Gtm to a running GTM.");
        var (runner, binaries) = await SetUpAsync(cancellationToken).ConfigureAwait(false);

        var folder = Path.Combine(_options.TempRoot, $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)]);
        Directory.CreateDirectory(folder);
        if (runner.OsUser is not null)
            await runner.RunRawAsync("chown", [$"{runner.OsUser}:", folder], folder, false, cancellationToken).ConfigureAwait(false);

        var logger = _loggerFactory.CreateLogger<LabPair>();
        var socketDir = Path.Combine(folder, "s");
        Directory.CreateDirectory(socketDir);
        if (runner.OsUser is not null)
            await runner.RunRawAsync("chown", [$"{runner.OsUser}:", socketDir], folder, false, cancellationToken).ConfigureAwait(false);
        PgxcNode? masterNode = null, slaveNode = null;
        var (masterDir, slaveDir) = ("master", "slave");
        if (pgxc is not null)
        {
            masterNode = new PgxcNode(pgxc.Flavor, PgxcNodeType.Datanode, name, _options.Gtm!);
            slaveNode = masterNode with { QueryableStandby = _options.QueryableStandby && pgxc.Flavor == Flavor.PostgresXl };
            (masterDir, slaveDir) = (name, name + "_slave");
        }
        var master = new LabServer("master", Path.Combine(folder, masterDir), socketDir, Path.Combine(folder, masterDir + ".log"),
            FreePorts.Pick(), runner, binaries, _options, logger, masterNode);
        var slave = new LabServer("slave", Path.Combine(folder, slaveDir), socketDir, Path.Combine(folder, slaveDir + ".log"),
            FreePorts.Pick(), runner, binaries, _options, logger, slaveNode);
        var pair = new LabPair(name, name + "_slave", mode, folder, master, slave, logger);
        try
        {
            await CreateDataDirAsync(runner, binaries, _options, master.DataDir, master.NodeName, folder, cancellationToken).ConfigureAwait(false);
            master.WriteLabConf(master.Port, _options.MinimalWal);
            // initdb --auth=trust already trusts loopback replication; the explicit line documents the intent.
            File.AppendAllLines(Path.Combine(master.DataDir, "pg_hba.conf"),
                ["host replication all 127.0.0.1/32 trust"]);
            await master.StartAsync(allowNewPort: true, cancellationToken).ConfigureAwait(false);
            if (!_options.CloneSlave)
            {
                slave.ReservePoolerPort();
                _logger.LogInformation("Lab master {Name} ready without a slave: 127.0.0.1:{MasterPort}, folder {Folder}", name, master.Port, folder);
                return pair;
            }
            await CloneSlaveAsync(runner, binaries, master, slave, pair.ApplicationName, folder, cancellationToken).ConfigureAwait(false);
            await slave.StartAsync(allowNewPort: true, cancellationToken).ConfigureAwait(false);
            if (mode == LabReplicationMode.Sync)
                await pair.SetModeAsync(LabReplicationMode.Sync, _options.StreamingTimeout, cancellationToken).ConfigureAwait(false);
            else
                await pair.WaitForStreamingAsync(_options.StreamingTimeout, cancellationToken).ConfigureAwait(false);
            if (slaveNode is { QueryableStandby: true })
                await pair.LogStandbySnapshotAsync(_options.StreamingTimeout, cancellationToken).ConfigureAwait(false);
            if (slaveNode is not null && (slaveNode.Flavor == Flavor.PostgresXc || slaveNode.QueryableStandby))
                await slave.WaitForRecoveryAsync(inRecovery: true, cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Lab pair {Name} ready ({Mode}): master 127.0.0.1:{MasterPort}, slave 127.0.0.1:{SlavePort}, folder {Folder}",
                name, mode, master.Port, slave.Port, folder);
            return pair;
        }
        catch
        {
            await pair.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Builds <paramref name="count"/> pairs named <c>{prefix}1..N</c>, at most
    /// <paramref name="maxDegreeOfParallelism"/> at a time. When one fails, all are removed and the first
    /// failure propagates.</summary>
    public async Task<LabPairSet> BuildManyAsync(int count, LabReplicationMode mode, int maxDegreeOfParallelism,
        CancellationToken cancellationToken, string prefix = "datanode")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDegreeOfParallelism);
        var pairs = new LabPair?[count];
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, count),
                new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken },
                async (i, ct) => pairs[i] = await BuildAsync(mode, ct, $"{prefix}{i + 1}").ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch
        {
            await new LabPairSet(pairs.OfType<LabPair>().ToArray()).DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new LabPairSet(pairs.Select(p => p!).ToArray());
    }

    /// <summary>A new data directory: initdb, or on XC/XL a copy of an initdb template when
    /// <see cref="LabPairOptions.InitDbTemplates"/> is set and no password is.</summary>
    internal static Task CreateDataDirAsync(LabCommandRunner runner, PgBinaries binaries, LabPairOptions options, string dataDir,
        string? nodeName, string folder, CancellationToken cancellationToken) =>
        nodeName is not null && options.InitDbTemplates is { } templates && options.SuperUserPassword is null
            ? Pgxc.InitDbTemplates.CreateAsync(runner, binaries, options, templates, dataDir, nodeName, cancellationToken)
            : InitDbAsync(runner, binaries, options, dataDir, nodeName, folder, cancellationToken);

    /// <summary>initdb of a new data directory: PostgreSQL's as always; on XC/XL with
    /// <c>--nodename</c> and <c>-N</c> (9.3's initdb has no --no-sync).</summary>
    internal static async Task InitDbAsync(LabCommandRunner runner, PgBinaries binaries, LabPairOptions options, string dataDir,
        string? nodeName, string folder, CancellationToken cancellationToken)
    {
        var arguments = nodeName is null
            ? new List<string> { "-D", dataDir, "-U", options.SuperUser, "--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C.UTF-8" }
            : ["-D", dataDir, "--nodename", nodeName, "-U", options.SuperUser, "--auth=trust", "-N", "--encoding=UTF8", "--locale=C.UTF-8"];
        string? passwordFile = null;
        if (options.SuperUserPassword is not null)
        {
            // initdb reads the password from a file so it never appears on a command line.
            passwordFile = Path.Combine(folder, nodeName is null ? "pwfile" : $"pwfile-{nodeName}");
            File.WriteAllText(passwordFile, options.SuperUserPassword + "\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            if (runner.OsUser is not null)
                await runner.RunRawAsync("chown", [$"{runner.OsUser}:", passwordFile], folder, false, cancellationToken).ConfigureAwait(false);
            arguments.Add("--pwfile=" + passwordFile);
        }
        try
        {
            await runner.RunAsync(binaries.InitDb, arguments, folder, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (passwordFile is not null) File.Delete(passwordFile);
        }
    }

    private static async Task CloneSlaveAsync(LabCommandRunner runner, PgBinaries binaries, LabServer master, LabServer slave,
        string applicationName, string folder, CancellationToken cancellationToken)
    {
        var superUser = new NpgsqlConnectionStringBuilder(master.ConnectionString).Username!;
        if (master.NodeName is not null)
        {
            await ClonePgxcSlaveAsync(runner, binaries, master, slave, superUser, applicationName, folder, cancellationToken).ConfigureAwait(false);
            return;
        }
        await runner.RunAsync(binaries.PgBaseBackup,
            ["-h", master.Address, "-p", master.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "-U", superUser, "-D", slave.DataDir, "-R", "-X", "stream", "-c", "fast", "--no-sync", "-w"],
            folder, cancellationToken).ConfigureAwait(false);
        slave.WriteLabConf(slave.Port);
        // -R wrote a primary_conninfo without our application_name; a later line of the same file wins.
        File.AppendAllLines(Path.Combine(slave.DataDir, "postgresql.auto.conf"),
        [
            $"primary_conninfo = 'host={master.Address} port={master.Port} user={superUser} application_name={applicationName}'",
        ]);
    }

    // XC (9.3) and XL (10): pg_basebackup without -R, and the whole recovery.conf written here. 9.3 has no
    // --no-sync. The slave's lab conf gets its own port and pooler_port (a copied pooler_port would collide
    // with the master's lock file in the shared socket folder, as in the field).
    private static async Task ClonePgxcSlaveAsync(LabCommandRunner runner, PgBinaries binaries, LabServer master, LabServer slave,
        string superUser, string applicationName, string folder, CancellationToken cancellationToken)
    {
        var arguments = new List<string>
        {
            "-h", master.Address, "-p", master.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-U", superUser, "-D", slave.DataDir, "-X", "stream", "-c", "fast", "-w",
        };
        if (master.Flavor == Flavor.PostgresXl) arguments.Add("--no-sync");
        await runner.RunAsync(binaries.PgBaseBackup, arguments, folder, cancellationToken).ConfigureAwait(false);
        // pg_basebackup of 9.3 keeps the master's mode bits (0755 would stop the server from starting).
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(slave.DataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        slave.WriteLabConf(slave.Port);
        slave.WriteOwnedFile("recovery.conf",
        [
            "# Written by the pgxcbot lab pair builder.",
            "standby_mode = 'on'",
            $"primary_conninfo = 'host={master.Address} port={master.Port} user={superUser} application_name={applicationName}'",
        ]);
    }

    /// <summary>The OS user the servers run as (created when this process is root) and the server programs:
    /// the installation's for XC/XL, else <see cref="LabPairOptions.Binaries"/> or the discovered ones.</summary>
    internal async Task<(LabCommandRunner Runner, PgBinaries Binaries)> SetUpAsync(CancellationToken cancellationToken)
    {
        await _setupLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_setup is { } done) return done;
            var binaries = _options.Installation?.Binaries ?? _options.Binaries ?? PgBinaries.Discover();
            var runner = await LabOsUser.PrepareAsync(_options.OsUser, _options.TempRoot, _loggerFactory, cancellationToken).ConfigureAwait(false);
            _setup = (runner, binaries);
            return _setup.Value;
        }
        finally
        {
            _setupLock.Release();
        }
    }

    [GeneratedRegex("^[a-z0-9_]{1,40}$")]
    private static partial Regex ValidName();
}
