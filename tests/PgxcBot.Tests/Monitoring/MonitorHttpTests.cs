using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PgxcBot.Core.Assessment;
using PgxcBot.Monitoring;
using PgxcBot.Monitoring.Http;
using PgxcBot.Tests.Config;
using PgxcBot.Tests.Domain;
using PgxcBot.Tests.Support;

namespace PgxcBot.Tests.Monitoring;

/// <summary>/metrics and /healthz on a real Kestrel bound to 127.0.0.1 port 0.</summary>
public sealed class MonitorHttpTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(ClusterBuilder.Now);
    private readonly FakeHealth _health = new();
    private readonly TestMeters _meters = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private MonitorMetrics _metrics = null!;
    private MonitorHttpEndpoint _endpoint = null!;
    private string? _storeProblem;

    public async Task InitializeAsync()
    {
        _metrics = new MonitorMetrics(_meters);
        _endpoint = new MonitorHttpEndpoint(_metrics, _health, _ => Task.FromResult(_storeProblem), _time, NullLogger<MonitorHttpEndpoint>.Instance);
        await _endpoint.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _endpoint.DisposeAsync();
        _metrics.Dispose();
        _meters.Dispose();
        _http.Dispose();
    }

    private async Task<(HttpStatusCode Status, string Body, string? Type)> GetAsync(string path)
    {
        using var response = await _http.GetAsync(new Uri(_endpoint.Address!, path));
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task Metrics_are_scraped_in_the_prometheus_text_format_with_their_values()
    {
        Assert.NotEqual(0, _endpoint.Address!.Port);
        _metrics.RecordPoll(new ClusterBuilder().Assess(), TimeSpan.FromMilliseconds(12));
        _metrics.AlertRaised("slave-lost", Severity.Warning);
        _metrics.AlertRaised("slave-lost", Severity.Warning);
        _metrics.AlertRaised("master-lost", Severity.Critical);
        _metrics.OperationRun("async", succeeded: true);
        _metrics.CommitsBlocked(TimeSpan.FromSeconds(1.2));

        var (status, body, type) = await GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("text/plain; version=0.0.4", type);
        var lines = body.Split('\n');
        Assert.Contains("# TYPE pgxcbot_alerts_raised_total counter", lines);
        Assert.Contains("pgxcbot_alerts_raised_total{kind=\"slave-lost\",severity=\"Warning\"} 2", lines);
        Assert.Contains("pgxcbot_alerts_raised_total{kind=\"master-lost\",severity=\"Critical\"} 1", lines);
        Assert.Contains("pgxcbot_operations_run_total{kind=\"async\",outcome=\"succeeded\"} 1", lines);
        Assert.Contains("# TYPE pgxcbot_pair_state gauge", lines);
        Assert.Contains("pgxcbot_pair_state{datanode=\"datanode1\"} 1", lines); // PairState.Sync
        Assert.Contains(lines, l => l.StartsWith("pgxcbot_replication_lag_bytes{datanode=\"datanode1\"} ", StringComparison.Ordinal));
        Assert.Contains("# TYPE pgxcbot_poll_duration_milliseconds histogram", lines);
        Assert.Contains("pgxcbot_poll_duration_milliseconds_bucket{le=\"10\"} 0", lines);
        Assert.Contains("pgxcbot_poll_duration_milliseconds_bucket{le=\"25\"} 1", lines);
        Assert.Contains("pgxcbot_poll_duration_milliseconds_bucket{le=\"+Inf\"} 1", lines);
        Assert.Contains("pgxcbot_poll_duration_milliseconds_sum 12", lines);
        Assert.Contains("pgxcbot_commits_blocked_seconds_count 1", lines);
        Assert.Contains("pgxcbot_commits_blocked_seconds_bucket{le=\"1\"} 0", lines);
        Assert.Contains("pgxcbot_commits_blocked_seconds_bucket{le=\"1.5\"} 1", lines);
        Assert.Contains(lines, l => l.StartsWith("pgxcbot_probe_latency_milliseconds_count{role=\"master\",server=\"datanode1\",status=\"Ok\"} 1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("# HELP pgxcbot_alerts_raised_total Incidents raised.", StringComparison.Ordinal));

        // Counters accumulate across scrapes; gauges show the latest poll.
        _metrics.AlertRaised("slave-lost", Severity.Warning);
        _metrics.RecordPoll(new ClusterBuilder().SlaveKilled().Assess(), TimeSpan.FromMilliseconds(3));
        (_, body, _) = await GetAsync("/metrics");
        lines = body.Split('\n');
        Assert.Contains("pgxcbot_alerts_raised_total{kind=\"slave-lost\",severity=\"Warning\"} 3", lines);
        Assert.Contains("pgxcbot_poll_duration_milliseconds_count 2", lines);
        Assert.DoesNotContain("pgxcbot_pair_state{datanode=\"datanode1\"} 1", lines);
    }

    [Fact]
    public async Task Health_follows_the_polls_and_the_store()
    {
        var (status, body, _) = await GetAsync("/healthz");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "no poll has finished yet"), (status, body[..24]));

        _health.LastPollAt = _time.GetUtcNow();
        (status, body, _) = await GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("ok: last poll 0.0 s ago", body);

        _time.Advance(TimeSpan.FromSeconds(3.5)); // more than 3 intervals of 1 s without a poll
        (status, body, _) = await GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("the last poll finished 3.5 s ago, more than 3 intervals of 1.0 s", body);
        Assert.Single(body.TrimEnd('\n').Split('\n'));

        _health.LastPollAt = _time.GetUtcNow();
        _storeProblem = "the store /var/lib/pgxcbot/state.db is not writable: attempt to write a readonly database";
        (status, body, _) = await GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("readonly database: incidents and operations cannot be recorded", body);

        _storeProblem = null;
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/healthz")).Status);
    }

    [Fact]
    public async Task Anything_else_is_not_found_and_only_get_is_allowed()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/")).Status);
        using var post = await _http.PostAsync(new Uri(_endpoint.Address!, "/metrics"), new StringContent(""));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1:9187", "127.0.0.1:9187", false)]
    [InlineData("localhost:9100", "127.0.0.1:9100", false)]
    [InlineData("[::1]:9187", "[::1]:9187", false)]
    [InlineData("0.0.0.0:9187", "0.0.0.0:9187", true)]
    public void The_listen_address_is_read_and_a_public_one_is_warned_about(string text, string expected, bool warned)
    {
        var config = TestConfigs.Minimal();
        config["monitor"] = new System.Text.Json.Nodes.JsonObject { ["httpListen"] = text };
        var report = TestConfigs.Validate(config);
        Assert.Equal(expected, report.Topology!.Monitor.HttpListen!.ToString());
        Assert.Equal(warned, report.Warnings.Any(w => w.Path == "monitor.httpListen" && w.Message.Contains("no authentication", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("9187")]
    [InlineData("metrics.example.com:9187")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("::1:9187")]
    public void A_bad_listen_address_is_an_error_naming_the_key(string text)
    {
        var config = TestConfigs.Minimal();
        config["monitor"] = new System.Text.Json.Nodes.JsonObject { ["httpListen"] = text };
        var report = TestConfigs.Validate(config);
        Assert.Null(report.Topology);
        Assert.Contains(report.Errors, e => e.Path == "monitor.httpListen" && e.Message.Contains("127.0.0.1:9187", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_the_key_there_is_no_http()
    {
        Assert.Null(TestConfigs.Validate(TestConfigs.Minimal()).Topology!.Monitor.HttpListen);
    }

    private sealed class FakeHealth : IMonitorHealthSource
    {
        public DateTimeOffset? LastPollAt { get; set; }
        public TimeSpan Interval => TimeSpan.FromSeconds(1);
    }
}
