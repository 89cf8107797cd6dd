using Microsoft.Extensions.Hosting;
using PgxcBot.Core.Topology;

namespace PgxcBot.Monitoring.Http;

/// <summary>Serves <see cref="MonitorHttpEndpoint"/> on <c>monitor.httpListen</c> for the host's lifetime;
/// does nothing when the key is absent (the default).</summary>
public sealed class MonitorHttpService(ClusterTopology topology, MonitorHttpEndpoint endpoint) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        topology.Monitor.HttpListen is { } listen ? endpoint.StartAsync(listen, cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => endpoint.DisposeAsync().AsTask();
}
