using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using PgxcBot.Monitoring;
using PgxcBot.Monitoring.Health;
using PgxcBot.Monitoring.Http;
using PgxcBot.Telemetry;
using PgxcBot.Tests.Secrets;

namespace PgxcBot.Tests.Support;

/// <summary>
/// /metrics and /healthz as the bot wires them (the same telemetry and health-check registrations), on a real
/// Kestrel bound to 127.0.0.1 port 0, over a given monitor health source and store.
/// </summary>
internal sealed class MonitorHttpHarness : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly MonitorHttpEndpoint _endpoint;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private MonitorHttpHarness(ServiceProvider provider, MonitorHttpEndpoint endpoint) => (_provider, _endpoint) = (provider, endpoint);

    /// <summary>The monitor's metrics, collected by this harness's meter provider.</summary>
    public MonitorMetrics Metrics => _provider.GetRequiredService<MonitorMetrics>();

    public Uri Address => _endpoint.Address!;

    /// <param name="replicas">This process as a replica of a shared store; none: the embedded store's one process.</param>
    /// <param name="status">What GET /status observes (the bot's status source); none: /status is not served.</param>
    public static async Task<MonitorHttpHarness> StartAsync(TimeProvider time, IMonitorHealthSource monitor, SqliteStore store, ClusterTopology? topology = null,
        PgxcBot.Core.Replicas.IReplicaRole? replicas = null, PgxcBot.Hosting.IClusterStatusSource? status = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton(time);
        services.AddSingleton(monitor);
        services.AddSingleton(store);
        services.AddSingleton(topology ?? TestConfigs.Validate(TestConfigs.Minimal()).Topology!);
        services.AddSingleton<MonitorMetrics>();
        if (replicas is not null) services.AddSingleton(replicas);
        if (status is not null)
        {
            services.AddSingleton(status);
            services.AddSingleton<HttpStatusReport>();
        }
        services.AddPgxcBotHealthChecks();
        services.AddPgxcBotTelemetry();
        var provider = services.BuildServiceProvider();
        // As the host does at start: the instruments exist before anything is measured.
        _ = provider.GetRequiredService<MonitorMetrics>();
        var endpoint = new MonitorHttpEndpoint(provider.GetRequiredService<MeterProvider>(), provider.GetRequiredService<HealthCheckService>(),
            NullLogger<MonitorHttpEndpoint>.Instance, provider.GetService<HttpStatusReport>());
        await endpoint.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), CancellationToken.None);
        return new MonitorHttpHarness(provider, endpoint);
    }

    public async Task<(HttpStatusCode Status, string Body, string? Type)> GetAsync(string path, string? accept = null)
    {
        var (status, body, type, _) = await GetWithHeadersAsync(path, accept);
        return (status, body, type);
    }

    public async Task<(HttpStatusCode Status, string Body, string? Type, System.Net.Http.Headers.HttpResponseHeaders Headers)> GetWithHeadersAsync(string path, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Address, path));
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.ToString(), response.Headers);
    }

    public async Task<HttpStatusCode> PostAsync(string path)
    {
        using var response = await _http.PostAsync(new Uri(Address, path), new StringContent(""));
        return response.StatusCode;
    }

    public async ValueTask DisposeAsync()
    {
        await _endpoint.DisposeAsync();
        await _provider.DisposeAsync();
        _http.Dispose();
    }
}
