using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PgxcBot.Cli;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Topology;
using PgxcBot.Hosting;
using PgxcBot.Lab.Cluster;
using PgxcBot.Lab.Pairs;
using PgxcBot.Store;

namespace PgxcBot.IntegrationTests.Flavors;

/// <summary>
/// The bot's services on a lab cluster as the host wires them: the lab's config file rendered, loaded and
/// validated, then core and store registered, operation events dropped. Shared by the flavor scenarios and
/// the benchmarks (linked there), so both run the production code paths.
/// </summary>
public static class LabBotServices
{
    /// <summary>Services for <paramref name="cluster"/> with the store in <paramref name="folder"/>; add more,
    /// then build. Throws <see cref="InvalidOperationException"/> when the lab's own config does not validate.</summary>
    public static async Task<ServiceCollection> CreateAsync(LabCluster cluster, string folder, CancellationToken cancellationToken)
    {
        var json = LabConfigFile.Render(cluster, Path.Combine(folder, "pgxcbot.db"), cluster.Installation?.Binaries ?? PgBinaries.Discover());
        var loaded = ConfigLoader.Parse(json);
        var topology = ConfigValidator.Validate(loaded, folder).Topology
                       ?? throw new InvalidOperationException("the lab's own config does not validate");
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddPgxcBotCore(loaded.Options, folder);
        services.AddPgxcBotStore(await SqliteStore.OpenAsync(topology.StorePath, null, cancellationToken));
        services.AddSingleton<IOperationObserver, Quiet>();
        return services;
    }

    private sealed class Quiet : IOperationObserver
    {
        public Task OnEventAsync(OperationEvent operationEvent, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
