using System.Net;
using System.Text.Json;
using PgxcBot.Hosting;
using PgxcBot.Monitoring.Health;
using PgxcBot.Monitoring.Http;
using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Tests.Cli;
using PgxcBot.Tests.Messages;

namespace PgxcBot.Tests.Monitoring;

/// <summary>
/// GET /status on the serving bot, and <c>pgxcbot status</c> asking it first (issue 19: a one-shot status opens a fresh
/// session on every server, which the serving bot's warm connections avoid). The served status is an observation made
/// for the request, never the store; the CLI falls back to observing by itself whenever no bot answers.
/// </summary>
public sealed class HttpStatusTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(ClusterBuilder.Now);
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-http-status-").FullName;
    private readonly TempConfigDirectory _config = new();
    private SqliteStore _store = null!;

    /// <summary>Counts observations: each request must observe.</summary>
    private sealed class CountingStatus(Func<ClusterAssessment> get) : IClusterStatusSource
    {
        private int _calls;
        public int Calls => Volatile.Read(ref _calls);

        public Task<ClusterStatus> GetAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult(new ClusterStatus(get(), new Dictionary<string, PgxcBot.Core.Pairs.PairState>()));
        }
    }

    private sealed class Health : IMonitorHealthSource
    {
        public DateTimeOffset? LastPollAt => null;
        public TimeSpan Interval => TimeSpan.FromSeconds(1);
    }

    public async Task InitializeAsync() => _store = await SqliteStore.OpenAsync(Path.Combine(_dir, "state.db"), null, default);

    public Task DisposeAsync()
    {
        _config.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private string ConfigListeningAt(int port)
    {
        var json = _config.Runnable();
        json["monitor"] ??= new JsonObject();
        json["monitor"]!["httpListen"] = $"127.0.0.1:{port}";
        return _config.Write($"pgxcbot-{port}.json", json.ToJsonString());
    }

    [Fact]
    public async Task Status_is_served_as_the_cli_prints_it_observed_for_each_request_with_its_nagios_code()
    {
        var served = new CountingStatus(Scenarios.MasterLost);
        await using var http = await MonitorHttpHarness.StartAsync(_time, new Health(), _store, status: served);

        var (status, body, type, headers) = await http.GetWithHeadersAsync("/status");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("text/plain", type);
        Assert.StartsWith("[CRITICAL] Cluster", body);
        Assert.Contains("→ next: /pgxc promote datanode1", body);
        Assert.Equal("2", Assert.Single(headers.GetValues(MonitorHttpEndpoint.NagiosHeader)));

        var (jsonStatus, json, jsonType, jsonHeaders) = await http.GetWithHeadersAsync("/status.json");
        Assert.Equal(HttpStatusCode.OK, jsonStatus);
        Assert.StartsWith("application/json", jsonType);
        using (var document = JsonDocument.Parse(json)) Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        Assert.Equal("2", Assert.Single(jsonHeaders.GetValues(MonitorHttpEndpoint.NagiosHeader)));
        Assert.Equal(2, served.Calls); // an observation per request, nothing replayed
    }

    [Fact]
    public async Task A_host_without_a_status_source_answers_404_on_status()
    {
        await using var http = await MonitorHttpHarness.StartAsync(_time, new Health(), _store);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/status")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/status.txt")).Status);
    }

    [Fact]
    public async Task The_cli_prints_the_serving_bots_status_and_code_and_says_so_on_stderr_without_observing_itself()
    {
        await using var http = await MonitorHttpHarness.StartAsync(_time, new Health(), _store, status: new CountingStatus(Scenarios.MasterLost));
        var local = new CountingStatus(Scenarios.Healthy);
        var config = ConfigListeningAt(http.Address.Port);

        var run = await CliRun.RunAsync(["status", "--config", config], overrides: s => s.AddSingleton<IClusterStatusSource>(local));
        Assert.Equal(NagiosCodes.Critical, run.ExitCode);
        Assert.StartsWith("[CRITICAL] Cluster", run.Out);
        Assert.Contains($"observed just now by the bot serving at 127.0.0.1:{http.Address.Port}", run.Error);
        Assert.Equal(0, local.Calls);

        var json = await CliRun.RunAsync(["status", "--config", config, "--json"], overrides: s => s.AddSingleton<IClusterStatusSource>(local));
        Assert.Equal(NagiosCodes.Critical, json.ExitCode);
        using (var document = JsonDocument.Parse(json.Out)) Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);

        // --direct observes from this process.
        var direct = await CliRun.RunAsync(["status", "--config", config, "--direct"], overrides: s => s.AddSingleton<IClusterStatusSource>(local));
        Assert.Equal(NagiosCodes.Ok, direct.ExitCode);
        Assert.StartsWith("[OK] Cluster: healthy", direct.Out);
        Assert.True(local.Calls > 0); // the start-up reconciliation's observation, and status's own when it stored states
    }

    [Fact]
    public async Task With_no_bot_answering_or_one_without_status_the_cli_observes_by_itself()
    {
        var local = new CountingStatus(Scenarios.Healthy);
        // Nothing listens on a port just released.
        int closed;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closed = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var nobody = await CliRun.RunAsync(["status", "--config", ConfigListeningAt(closed)], overrides: s => s.AddSingleton<IClusterStatusSource>(local));
        Assert.Equal(NagiosCodes.Ok, nobody.ExitCode);
        Assert.StartsWith("[OK] Cluster: healthy", nobody.Out);
        Assert.DoesNotContain("observed just now by the bot", nobody.Error);

        // An older bot (or a host without the status source): 404, so the CLI observes.
        await using var http = await MonitorHttpHarness.StartAsync(_time, new Health(), _store);
        var older = await CliRun.RunAsync(["status", "--config", ConfigListeningAt(http.Address.Port)], overrides: s => s.AddSingleton<IClusterStatusSource>(local));
        Assert.Equal(NagiosCodes.Ok, older.ExitCode);
        Assert.StartsWith("[OK] Cluster: healthy", older.Out);
        Assert.DoesNotContain("observed just now by the bot", older.Error);
    }
}
