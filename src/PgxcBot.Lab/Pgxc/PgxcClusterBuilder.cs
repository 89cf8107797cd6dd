using Microsoft.Extensions.Logging;
using PgxcBot.Core.Topology;
using PgxcBot.Lab.Pairs;

namespace PgxcBot.Lab.Pgxc;

/// <summary>What a Postgres-XC/XL lab cluster consists of; filled as the parts are built, so a failed build
/// tears down exactly what exists.</summary>
internal sealed class PgxcParts(PgxcInstallation installation, string folder, LabGtm? gtm, LabCoordinator?[] coordinators, LabPairSet? pairs)
{
    public PgxcInstallation Installation { get; } = installation;
    public string Folder { get; } = folder;
    public LabGtm? Gtm { get; set; } = gtm;
    public LabCoordinator?[] Coordinators { get; } = coordinators;
    public LabPairSet? Pairs { get; set; } = pairs;
}

/// <summary>
/// Builds and tears down a real Postgres-XC/XL lab cluster in its own folder under the options' TempRoot
/// (<c>xl-1a2b3c4d/</c>: <c>gtm/</c>, <c>coord1/</c>, ..., one folder per pair holding <c>datanode1/</c> and
/// <c>datanode1_slave/</c>). The GTM starts first (every node registers on it); then the coordinators and the
/// pairs are built side by side; then the catalogs are filled.
/// </summary>
internal static class PgxcClusterBuilder
{
    public static async Task<PgxcParts> BuildAsync(PgxcInstallation installation, LabPairOptions options, int pairs, LabReplicationMode mode,
        int coordinators, int maxDegreeOfParallelism, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger<LabGtm>();
        var (runner, binaries) = await new LabPairBuilder(options, loggerFactory).SetUpAsync(cancellationToken).ConfigureAwait(false);
        var prefix = installation.Flavor == Flavor.PostgresXc ? "xc" : "xl";
        var folder = Path.Combine(options.TempRoot, $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)]);
        var parts = new PgxcParts(installation, folder, null, new LabCoordinator?[coordinators], null);
        try
        {
            var socketDir = Path.Combine(folder, "s");
            Directory.CreateDirectory(socketDir);
            if (runner.OsUser is not null)
                await runner.RunRawAsync("chown", ["-R", $"{runner.OsUser}:", folder], options.TempRoot, false, cancellationToken).ConfigureAwait(false);

            parts.Gtm = await LabGtm.InitAsync(installation, runner, Path.Combine(folder, "gtm"), logger, cancellationToken).ConfigureAwait(false);
            await parts.Gtm.StartAsync(cancellationToken, allowNewPort: true).ConfigureAwait(false);
            var serverOptions = options with
            {
                TempRoot = folder,
                Gtm = parts.Gtm.Endpoint,
                InitDbTemplates = options.InitDbTemplates ?? Path.Combine(options.TempRoot, "initdb-templates"),
            };

            var pairsTask = new LabPairBuilder(serverOptions, loggerFactory)
                .BuildManyAsync(pairs, mode, maxDegreeOfParallelism, cancellationToken);
            var coordinatorsTask = Task.WhenAll(Enumerable.Range(0, coordinators).Select(i =>
                StartCoordinatorAsync(parts, i, runner, binaries, serverOptions, socketDir, loggerFactory, cancellationToken)));
            try
            {
                await Task.WhenAll(pairsTask, coordinatorsTask).ConfigureAwait(false);
            }
            finally
            {
                if (pairsTask.IsCompletedSuccessfully) parts.Pairs = pairsTask.Result;
            }

            await PgxcCatalogs.ConfigureAsync(installation.Flavor, parts.Coordinators.Select(c => c!).ToArray(), parts.Pairs!.Pairs,
                cancellationToken).ConfigureAwait(false);
            if (serverOptions.QueryableStandby && installation.Flavor == Flavor.PostgresXl)
            {
                // Measured: once the catalogs are filled, a queryable XL standby that started from its base backup
                // crashes (SIGSEGV) on every new connection until it replays a later running-xacts record.
                await Task.WhenAll(parts.Pairs.Pairs.Select(async pair =>
                {
                    await pair.LogStandbySnapshotAsync(options.StreamingTimeout, cancellationToken).ConfigureAwait(false);
                    await pair.Slave.WaitForRecoveryAsync(inRecovery: true, cancellationToken).ConfigureAwait(false);
                })).ConfigureAwait(false);
            }
            return parts;
        }
        catch
        {
            await TearDownAsync(parts, logger).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task StartCoordinatorAsync(PgxcParts parts, int index, LabCommandRunner runner, PgBinaries binaries,
        LabPairOptions options, string socketDir, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var name = $"coord{index + 1}";
        var node = new PgxcNode(parts.Installation.Flavor, PgxcNodeType.Coordinator, name, options.Gtm!);
        var server = new LabServer("coordinator", Path.Combine(parts.Folder, name), socketDir, Path.Combine(parts.Folder, name + ".log"),
            FreePorts.Pick(), runner, binaries, options, loggerFactory.CreateLogger<LabCoordinator>(), node);
        parts.Coordinators[index] = new LabCoordinator(server);
        await LabPairBuilder.CreateDataDirAsync(runner, binaries, options, server.DataDir, name, parts.Folder, cancellationToken).ConfigureAwait(false);
        server.WriteLabConf(server.Port);
        await server.StartAsync(allowNewPort: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Thaws and stops everything (coordinators and pairs at once, immediately; the GTM last), ends any process
    /// still running in the cluster's folder (the pooler of a postmaster killed alone lingers, on XC for good),
    /// and removes the folder. Never throws.
    /// </summary>
    public static async Task TearDownAsync(PgxcParts parts, ILogger logger)
    {
        if (parts.Gtm is { } gtm) await gtm.ThawAsync(CancellationToken.None).ConfigureAwait(false);
        var stops = parts.Coordinators.OfType<LabCoordinator>().Select(c => LabPair.ShutDownAsync(c.Server, logger)).ToList();
        if (parts.Pairs is { } pairs) stops.Add(pairs.DisposeAsync().AsTask());
        await Task.WhenAll(stops).ConfigureAwait(false);
        if (parts.Gtm is { } last) await last.ShutDownAsync().ConfigureAwait(false);
        await KillLeftoversAsync(parts.Folder, logger).ConfigureAwait(false);
        LabFolders.DeleteQuietly(parts.Folder, logger);
    }

    private static async Task KillLeftoversAsync(string folder, ILogger logger)
    {
        try
        {
            var leftovers = PosixProcesses.RunningIn(folder);
            if (leftovers.Count == 0) return;
            logger.LogInformation("Ending {Count} process(es) left in {Folder}: {Pids}", leftovers.Count, folder, string.Join(' ', leftovers));
            foreach (var pid in leftovers)
            {
                PosixProcesses.Signal(pid, PosixProcesses.SigCont);
                PosixProcesses.Signal(pid, PosixProcesses.SigKill);
            }
            var deadline = Deadline.In(TimeSpan.FromSeconds(10));
            while (leftovers.Any(PosixProcesses.IsAlive) && !deadline.Expired) await Task.Delay(20).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "Could not end the processes left in {Folder}", folder);
        }
    }
}
