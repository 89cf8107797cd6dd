using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PgxcBot.Cli;
using PgxcBot.Core.Topology;
using PgxcBot.Hosting;
using PgxcBot.Store;

namespace PgxcBot.Benchmarks;

/// <summary>
/// The bot as the host wires it (config file → options → services), on a lab cluster: benchmarks measure
/// the production code paths, not a hand-built variant.
/// </summary>
internal sealed class LabBot : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly string _folder;

    private LabBot(ServiceProvider services, string folder)
    {
        _services = services;
        _folder = folder;
    }

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    /// <param name="extra">More services (e.g. a chat target of the outbox), added after the bot's own.</param>
    public static async Task<LabBot> StartAsync(LabCluster cluster, CancellationToken cancellationToken, Action<IServiceCollection>? extra = null)
    {
        var folder = Directory.CreateTempSubdirectory("pgxcbot-bench-").FullName;
        var services = await IntegrationTests.Flavors.LabBotServices.CreateAsync(cluster, folder, cancellationToken);
        extra?.Invoke(services);
        return new LabBot(services.BuildServiceProvider(), folder);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
