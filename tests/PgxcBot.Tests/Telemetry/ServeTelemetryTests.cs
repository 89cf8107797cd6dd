using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PgxcBot.Discord.Rest;
using PgxcBot.Monitoring;
using PgxcBot.Tests.Hosting;
using PgxcBot.Tests.Discord;
using PgxcBot.Tests.Monitoring;

namespace PgxcBot.Tests.Telemetry;

/// <summary>
/// <c>pgxcbot serve</c> with <c>monitor.httpListen</c>, wired by the host as in production (against the fake
/// Discord): /metrics and /healthz answer from the real monitor, store, SSH watch and Discord adapter.
/// </summary>
[Collection(MeterSerial.Name)]
public sealed class ServeTelemetryTests : IAsyncLifetime
{
    private readonly StringWriter _out = new(), _error = new();
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private ConfiguredFakeDiscord _discord = null!;
    private IServiceProvider? _services;

    public async Task InitializeAsync() => _discord = await ConfiguredFakeDiscord.StartAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _discord.DisposeAsync();
        _stop.Dispose();
        _http.Dispose();
    }

    /// <summary>A port the system just gave out and took back: the bot binds it next.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Serve_answers_metrics_and_health_from_the_running_bot()
    {
        var config = JsonNode.Parse(await File.ReadAllTextAsync(_discord.Config))!.AsObject();
        var port = FreePort();
        config["monitor"] = new JsonObject { ["httpListen"] = $"127.0.0.1:{port}" };
        var file = _discord.Directory.Write("with-http.json", config.ToJsonString());
        var serve = _discord.ServeAsync(file, _out, _error, services => services.AddHostedService(p => new Capture(p, s => _services = s)), _stop.Token);
        // Serving (start-up recovery and reconciliation done, which on a loaded host outlast the first poll: a
        // stop before that is an interruption, exit 130) and polled once.
        await Eventually.HoldsAsync(() => serve.IsCompleted || (_services is not null && _services.GetRequiredService<MonitorService>().LastPollAt is not null
            && _error.ToString().Contains("pgxcbot serving", StringComparison.Ordinal)), "serving and the first poll", 30);
        Assert.False(serve.IsCompleted, "the bot stopped: " + _error);
        var address = new Uri($"http://127.0.0.1:{port}");

        using (var health = await _http.GetAsync(new Uri(address, "/healthz")))
        {
            var body = await health.Content.ReadAsStringAsync();
            Assert.True(health.StatusCode == HttpStatusCode.OK, body);
            // The test config's hosts do not answer SSH: degraded, still 200, and said.
            Assert.Matches(@"^ok: last poll \d+\.\d s ago; store writable; (ssh: no host lost of 2|ssh lost to [^;]+); discord: running\n$", body);
        }

        using (var metrics = await _http.GetAsync(new Uri(address, "/metrics")))
        {
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            var families = PrometheusText.Parse(await metrics.Content.ReadAsStringAsync());
            Assert.True(families["pgxcbot_poll_duration_milliseconds"].Value("pgxcbot_poll_duration_milliseconds_count") >= 1);
            Assert.Contains(families["pgxcbot_probe_latency_milliseconds"].Samples, s => s.Has(("role", "master"), ("server", "datanode1")));
        }

        await _stop.CancelAsync();
        var code = await serve;
        Assert.True(code == ExitCodes.Ok, $"exit {code}: {_error}");
    }

    /// <summary>Hands the test the host's services once it starts.</summary>
    private sealed class Capture(IServiceProvider services, Action<IServiceProvider> capture) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            capture(services);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
