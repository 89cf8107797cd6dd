using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PgxcBot.Cli;
using PgxcBot.Core.Topology;
using PgxcBot.Hosting;
using PgxcBot.Lab.Cluster;
using PgxcBot.Lab.Pairs;
using PgxcBot.Store;

namespace PgxcBot.IntegrationTests.Flavors;

/// <summary>
/// The bot's services on a lab cluster as the host composes them (<see cref="BotComposition.AddPgxcBot"/>): the lab's
/// config file rendered, loaded and validated, then the command's bot over a SQLite store in the lab's folder. Shared
/// by the flavor scenarios and the benchmarks (linked there), so both run the production code paths.
/// </summary>
public static class LabBotServices
{
    /// <summary>Services for <paramref name="cluster"/> with the store in <paramref name="folder"/>, composed for
    /// <paramref name="command"/> (a one-shot <c>run</c> unless told: no monitor); add fakes, then build. Throws
    /// <see cref="InvalidOperationException"/> when the lab's own config does not validate.</summary>
    /// <param name="alerts">The channel that gets the monitor's alerts (for <see cref="BotCommand.Serve"/>).</param>
    public static async Task<ServiceCollection> CreateAsync(LabCluster cluster, string folder, CancellationToken cancellationToken,
        BotCommand command = BotCommand.Run, PgxcBot.Core.Outbox.IOutboxChannel? alerts = null)
    {
        var json = LabConfigFile.Render(cluster, Path.Combine(folder, "pgxcbot.db"), cluster.Installation?.Binaries ?? PgBinaries.Discover());
        var loaded = ConfigLoader.Parse(json);
        var topology = ConfigValidator.Validate(loaded, folder).Topology
                       ?? throw new InvalidOperationException("the lab's own config does not validate");
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddPgxcBot(command, new BotSetup
        {
            Options = loaded.Options,
            BaseDirectory = folder,
            Secrets = new PgxcBot.Secrets.SecretResolver(),
            Store = new BotStore.Sqlite(await SqliteStore.OpenAsync(topology.StorePath, null, cancellationToken)),
            AlertChannel = alerts,
        });
        return services;
    }
}
