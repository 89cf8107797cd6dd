using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace PgxcBot.Lab.Pairs;

/// <summary>
/// Builds real PostgreSQL master + hot standby pairs on loopback: initdb, configure, start the master,
/// pg_basebackup -R the slave with its application_name, start it, optionally make it synchronous, and
/// wait until the master's pg_stat_replication shows it streaming. As root, every server program runs
/// as the unprivileged <see cref="LabPairOptions.OsUser"/> (created if missing).
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
        var master = new LabServer("master", Path.Combine(folder, "master"), socketDir, Path.Combine(folder, "master.log"),
            FreePorts.Pick(), runner, binaries, _options, logger);
        var slave = new LabServer("slave", Path.Combine(folder, "slave"), socketDir, Path.Combine(folder, "slave.log"),
            FreePorts.Pick(), runner, binaries, _options, logger);
        var pair = new LabPair(name, name + "_slave", mode, folder, master, slave, logger);
        try
        {
            await InitMasterAsync(runner, binaries, master, folder, cancellationToken).ConfigureAwait(false);
            await master.StartAsync(allowNewPort: true, cancellationToken).ConfigureAwait(false);
            if (!_options.CloneSlave)
            {
                _logger.LogInformation("Lab master {Name} ready without a slave: 127.0.0.1:{MasterPort}, folder {Folder}", name, master.Port, folder);
                return pair;
            }
            await CloneSlaveAsync(runner, binaries, master, slave, pair.ApplicationName, folder, cancellationToken).ConfigureAwait(false);
            await slave.StartAsync(allowNewPort: true, cancellationToken).ConfigureAwait(false);
            if (mode == LabReplicationMode.Sync)
                await pair.SetModeAsync(LabReplicationMode.Sync, _options.StreamingTimeout, cancellationToken).ConfigureAwait(false);
            else
                await pair.WaitForStreamingAsync(_options.StreamingTimeout, cancellationToken).ConfigureAwait(false);
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

    private async Task InitMasterAsync(LabCommandRunner runner, PgBinaries binaries, LabServer master, string folder,
        CancellationToken cancellationToken)
    {
        var arguments = new List<string>
        {
            "-D", master.DataDir, "-U", _options.SuperUser, "--auth=trust", "--no-sync",
            "--encoding=UTF8", "--locale=C.UTF-8",
        };
        string? passwordFile = null;
        if (_options.SuperUserPassword is not null)
        {
            // initdb reads the password from a file so it never appears on a command line.
            passwordFile = Path.Combine(folder, "pwfile");
            File.WriteAllText(passwordFile, _options.SuperUserPassword + "\n");
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
        master.WriteLabConf(master.Port, _options.MinimalWal);
        // initdb --auth=trust already trusts loopback replication; the explicit line documents the intent.
        File.AppendAllLines(Path.Combine(master.DataDir, "pg_hba.conf"),
            ["host replication all 127.0.0.1/32 trust"]);
    }

    private static async Task CloneSlaveAsync(LabCommandRunner runner, PgBinaries binaries, LabServer master, LabServer slave,
        string applicationName, string folder, CancellationToken cancellationToken)
    {
        var superUser = new NpgsqlConnectionStringBuilder(master.ConnectionString).Username!;
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

    private async Task<(LabCommandRunner Runner, PgBinaries Binaries)> SetUpAsync(CancellationToken cancellationToken)
    {
        await _setupLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_setup is { } done) return done;
            var binaries = _options.Binaries ?? PgBinaries.Discover();
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
