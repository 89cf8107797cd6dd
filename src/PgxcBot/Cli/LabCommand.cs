using PgxcBot.Hosting;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Topology;
using PgxcBot.Lab.Cluster;
using PgxcBot.Lab.Pairs;

namespace PgxcBot.Cli;

/// <summary>
/// <c>pgxcbot lab</c>: builds a local lab (two real PostgreSQL pairs in sync, two simulated coordinators, the
/// local transport, a SQLite store), runs the console on it as alice, and tears it all down on exit unless
/// <c>--keep</c>, also when the console ends by Ctrl+C, SIGTERM or a closed terminal; the lab folder goes
/// with it. One lab per folder (<see cref="LabFolderLease"/>). <c>pgxcbot lab down</c> removes a kept lab's
/// servers and folders. With <c>--flavor postgres-xc|postgres-xl</c> the lab is a real cluster of that
/// installation (see <see cref="LabFlavor"/>).
/// </summary>
internal static class LabCommand
{
    public static async Task<int> RunAsync(CliArguments arguments, CliIo io, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(arguments.Folder ?? Path.Combine(Path.GetTempPath(), "pgxcbot-lab"));
        if (arguments.Line == "down") return await DownAsync(root, io, cancellationToken);
        if (arguments.Line is not null)
        {
            await io.Error.WriteLineAsync($"error: unknown lab command '{arguments.Line}'; use: pgxcbot lab [--keep] | pgxcbot lab down");
            return ExitCodes.BadConfig;
        }

        var (flavor, installation, flavorError) = LabFlavor.Resolve(arguments);
        if (flavorError is not null)
        {
            await io.Error.WriteLineAsync($"error: {flavorError}");
            return ExitCodes.BadConfig;
        }

        var stopwatch = Stopwatch.StartNew();
        PgBinaries binaries;
        try
        {
            binaries = installation?.Binaries ?? PgBinaries.Discover();
        }
        catch (PgBinariesNotFoundException e)
        {
            await io.Error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.BadConfig;
        }
        // One lab per folder: a second one would delete the first one's store and servers.
        var down = arguments.Folder is null ? "pgxcbot lab down" : $"pgxcbot lab down --folder {root}";
        LabFolderLease lease;
        try
        {
            lease = LabFolderLease.Claim(root, down);
        }
        catch (LabFolderInUseException e)
        {
            await io.Error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.BadConfig;
        }
        var keep = arguments.Keep;
        LabCluster? cluster = null;
        try
        {
            await Progress(io, stopwatch, installation is null ? $"PostgreSQL binaries: {binaries.BinDir}" : $"{ConfigValidator.FlavorName(flavor)} installation: {installation.Home}");
            var options = new LabPairOptions { TempRoot = root, Binaries = binaries, Installation = installation };
            await Progress(io, stopwatch, $"building {(installation is null ? "" : "a GTM, 2 coordinators and ")}2 datanode pairs (master + hot standby, synchronous) in {root}, servers run as {(Environment.UserName == "root" ? options.OsUser : Environment.UserName)}");

            cluster = await LabCluster.StartAsync(flavor, options, pairs: 2, LabReplicationMode.Sync, coordinators: 2, maxDegreeOfParallelism: 2, cancellationToken);
            foreach (var pair in cluster.Pairs)
                await Progress(io, stopwatch, $"{pair.Name}: master 127.0.0.1:{pair.Master.Port}, slave 127.0.0.1:{pair.Slave.Port} ({pair.ApplicationName}), streaming in sync");
            foreach (var coordinator in cluster.AllCoordinators)
                await Progress(io, stopwatch, $"{coordinator.NodeName}: {(installation is null ? "simulated coordinator" : "coordinator")} on 127.0.0.1:{coordinator.Port}");
            if (cluster.Gtm is { } gtm) await Progress(io, stopwatch, $"gtm: 127.0.0.1:{gtm.Port}, data {gtm.DataDir}");

            // A fresh store for a fresh lab (the folder was empty when claimed).
            var folder = Path.Combine(root, "bot");
            Directory.CreateDirectory(folder);
            var config = Path.Combine(folder, "pgxcbot.json");
            await File.WriteAllTextAsync(config, LabConfigFile.Render(cluster, Path.Combine(folder, "pgxcbot.db"), binaries), cancellationToken);
            await Progress(io, stopwatch, $"config: {config}");
            await Progress(io, stopwatch, "ready. You are alice; bob may approve what you request: prefix a line with /pgxc as bob ...");
            await Progress(io, stopwatch, "drills: /lab kill|freeze|thaw|stop|start master|slave <datanode>; the bot is not told, it has to notice.");

            var console = arguments with { Command = "console", ConfigPath = config, As = arguments.As ?? "alice" };
            var started = cluster;
            return await CliHost.RunAsync(BotCommand.Console, console, io, null, (services, ct) =>
            {
                var drills = new LabDrills(started, services.GetRequiredService<TopologyState>());
                return ConsoleCommand.RunAsync(services, console, io, ct, drills.TryHandleAsync);
            }, cancellationToken);
        }
        finally
        {
            // Also after Ctrl+C, SIGTERM or a closed terminal (CliSignals turns them into cancellation), and when
            // the build itself failed or was interrupted: nothing of the lab may be left running.
            if (keep && cluster is not null)
            {
                await io.Error.WriteLineAsync($"lab: kept the PostgreSQL servers in {root} (the simulated coordinators stop with this process); remove them with: {down}");
                lease.Release(removeFolder: false);
            }
            else
            {
                await io.Error.WriteLineAsync("lab: stopping the servers and removing the lab folder");
                if (cluster is not null) await cluster.DisposeAsync();
                else await LabFolder.TearDownAsync(root, binaries, CancellationToken.None);
                lease.Release(removeFolder: true);
            }
        }
    }

    private static async Task<int> DownAsync(string root, CliIo io, CancellationToken cancellationToken)
    {
        var removed = await LabFolder.TearDownAsync(root, PgBinaries.Discover(), cancellationToken);
        await io.Out.WriteLineAsync(removed == 0 ? $"lab: nothing to remove in {root}" : $"lab: stopped {removed} server(s) and removed {root}");
        return ExitCodes.Ok;
    }

    private static Task Progress(CliIo io, Stopwatch stopwatch, string line) =>
        io.Error.WriteLineAsync($"lab [{stopwatch.Elapsed.TotalSeconds,5:0.0} s] {line}");
}
