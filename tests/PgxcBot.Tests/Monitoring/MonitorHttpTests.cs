using System.Net;
using PgxcBot.Monitoring.Health;
using PgxcBot.Tests.Secrets;
using PgxcBot.Tests.Assessment;
using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Monitoring;

/// <summary>
/// The monitor's meter is process-wide by name (OpenTelemetry listens by name), so the scrape tests run alone:
/// no other test's measurements can land in the counters they read.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeterSerial
{
    public const string Name = "monitor meter, alone";
}

/// <summary>/metrics (OpenTelemetry's Prometheus exporter) and /healthz (health checks) on a real Kestrel bound to 127.0.0.1 port 0.</summary>
[Collection(MeterSerial.Name)]
public sealed class MonitorHttpTests : IAsyncLifetime
{
    /// <summary>The series README.md documents, with their Prometheus types.</summary>
    public static readonly (string Name, string Type)[] Documented =
    [
        ("pgxcbot_pair_state", "gauge"),
        ("pgxcbot_replication_lag_bytes", "gauge"),
        ("pgxcbot_replication_lag_seconds", "gauge"),
        ("pgxcbot_probe_latency_milliseconds", "histogram"),
        ("pgxcbot_poll_duration_milliseconds", "histogram"),
        ("pgxcbot_alerts_raised_total", "counter"),
        ("pgxcbot_operations_run_total", "counter"),
        ("pgxcbot_commits_blocked_seconds", "histogram"),
    ];

    private readonly FakeTimeProvider _time = new(ClusterBuilder.Now);
    private readonly FakeHealth _health = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-http-").FullName;
    private SqliteStore _store = null!;
    private MonitorHttpHarness _http = null!;

    public async Task InitializeAsync()
    {
        _store = await SqliteStore.OpenAsync(Path.Combine(_dir, "state.db"), null, default);
        _http = await MonitorHttpHarness.StartAsync(_time, _health, _store);
    }

    public async Task DisposeAsync()
    {
        await _http.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_scrape_parses_strictly_as_prometheus_text_with_every_documented_series_and_its_values()
    {
        Assert.NotEqual(0, _http.Address.Port);
        var metrics = _http.Metrics;
        metrics.RecordPoll(new ClusterBuilder().SlaveBehind(4096, TimeSpan.FromSeconds(2)).Assess(), TimeSpan.FromMilliseconds(12));
        metrics.AlertRaised("slave-lost", Severity.Warning);
        metrics.AlertRaised("slave-lost", Severity.Warning);
        metrics.AlertRaised("master-lost", Severity.Critical);
        metrics.OperationRun("async", succeeded: true);
        metrics.CommitsBlocked(TimeSpan.FromSeconds(1.2));

        var (status, body, type) = await _http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("text/plain", type);
        Assert.Contains("version=0.0.4", type);
        var families = PrometheusText.Parse(body);
        foreach (var (name, kind) in Documented)
        {
            Assert.True(families.TryGetValue(name, out var family), $"{name} is missing from the scrape:\n{body}");
            Assert.Equal(kind, family.Type);
            Assert.False(string.IsNullOrEmpty(family.Help), $"{name} has no HELP");
            Assert.NotEmpty(family.Samples);
        }

        var alerts = families["pgxcbot_alerts_raised_total"];
        Assert.Equal("Incidents raised.", alerts.Help);
        Assert.Equal(2, alerts.Value("pgxcbot_alerts_raised_total", ("kind", "slave-lost"), ("severity", "Warning")));
        Assert.Equal(1, alerts.Value("pgxcbot_alerts_raised_total", ("kind", "master-lost"), ("severity", "Critical")));
        Assert.Equal(1, families["pgxcbot_operations_run_total"].Value("pgxcbot_operations_run_total", ("kind", "async"), ("outcome", "succeeded")));
        Assert.Equal(1, families["pgxcbot_pair_state"].Value("pgxcbot_pair_state", ("datanode", "datanode1"))); // PairState.Sync
        Assert.Equal(4096, families["pgxcbot_replication_lag_bytes"].Value("pgxcbot_replication_lag_bytes", ("datanode", "datanode1")));
        Assert.Equal(2, families["pgxcbot_replication_lag_seconds"].Value("pgxcbot_replication_lag_seconds", ("datanode", "datanode1")));

        // The documented buckets (instrument advice), not OpenTelemetry's defaults.
        var poll = families["pgxcbot_poll_duration_milliseconds"];
        Assert.Equal(0, poll.Value("pgxcbot_poll_duration_milliseconds_bucket", ("le", "10")));
        Assert.Equal(1, poll.Value("pgxcbot_poll_duration_milliseconds_bucket", ("le", "25")));
        Assert.Equal(1, poll.Value("pgxcbot_poll_duration_milliseconds_bucket", ("le", "+Inf")));
        Assert.Equal(12, poll.Value("pgxcbot_poll_duration_milliseconds_sum"));
        var blocked = families["pgxcbot_commits_blocked_seconds"];
        Assert.Equal(1, blocked.Value("pgxcbot_commits_blocked_seconds_count"));
        Assert.Equal(0, blocked.Value("pgxcbot_commits_blocked_seconds_bucket", ("le", "1")));
        Assert.Equal(1, blocked.Value("pgxcbot_commits_blocked_seconds_bucket", ("le", "1.5")));
        Assert.Equal(1, families["pgxcbot_probe_latency_milliseconds"].Value("pgxcbot_probe_latency_milliseconds_count",
            ("role", "master"), ("server", "datanode1"), ("status", "Ok")));

        // Counters accumulate across scrapes; gauges show the latest poll (no cached response).
        metrics.AlertRaised("slave-lost", Severity.Warning);
        metrics.RecordPoll(new ClusterBuilder().SlaveKilled().Assess(), TimeSpan.FromMilliseconds(3));
        (_, body, _) = await _http.GetAsync("/metrics");
        families = PrometheusText.Parse(body);
        Assert.Equal(3, families["pgxcbot_alerts_raised_total"].Value("pgxcbot_alerts_raised_total", ("kind", "slave-lost"), ("severity", "Warning")));
        Assert.Equal(2, families["pgxcbot_poll_duration_milliseconds"].Value("pgxcbot_poll_duration_milliseconds_count"));
        Assert.NotEqual(1, families["pgxcbot_pair_state"].Value("pgxcbot_pair_state", ("datanode", "datanode1")));

        // A scraper that asks for OpenMetrics gets it.
        (status, body, type) = await _http.GetAsync("/metrics", "application/openmetrics-text; version=1.0.0");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("application/openmetrics-text", type);
        Assert.EndsWith("# EOF\n", body);
    }

    [Fact]
    public void The_parser_is_strict_it_rejects_what_prometheus_would()
    {
        const string ok = "# HELP a_total A.\n# TYPE a_total counter\na_total{k=\"v\"} 1\n";
        Assert.Single(PrometheusText.Parse(ok));
        Assert.Throws<FormatException>(() => PrometheusText.Parse("a_total 1\n"));                                    // no TYPE
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE a counter\na 1\n"));                         // counter without _total
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE a gauge\na{k=v} 1\n"));                     // unquoted label
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE a gauge\na{k=\"v\"} one\n"));              // not a number
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE a gauge\na 1"));                              // no final newline
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n")); // not cumulative
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n")); // count is not +Inf
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE a gauge\n# TYPE b gauge\nb 1\na 1\n"));    // not contiguous
    }

    [Fact]
    public async Task Health_is_ok_while_polls_are_fresh_and_503_naming_the_monitor_once_they_are_stale()
    {
        var (status, body, type) = await _http.GetAsync("/healthz");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "no poll has finished yet"), (status, body[..24]));
        Assert.StartsWith("text/plain", type);

        _health.LastPollAt = _time.GetUtcNow();
        (status, body, _) = await _http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok: last poll 0.0 s ago; store writable; ssh: not watched; discord: not configured\n", body);

        _time.Advance(TimeSpan.FromSeconds(2.5)); // within 3 intervals of 1 s
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/healthz")).Status);

        _time.Advance(TimeSpan.FromSeconds(1)); // 3.5 s: more than 3 intervals without a poll
        (status, body, _) = await _http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("the last poll finished 3.5 s ago, more than 3 intervals of 1.0 s: the monitor is stuck or its polls fail (see the bot's log)\n", body);

        _health.LastPollAt = _time.GetUtcNow(); // polls resume
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/healthz")).Status);
    }

    [Fact]
    public async Task Anything_else_is_not_found_and_only_get_is_allowed()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/metrics/extra")).Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, await _http.PostAsync("/metrics"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, await _http.PostAsync("/healthz"));
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

    [Fact]
    public async Task Healthz_active_says_200_on_the_active_replica_and_with_an_embedded_store_and_503_on_a_standby_whose_healthz_stays_200()
    {
        _health.LastPollAt = _time.GetUtcNow();
        var (single, singleBody, _) = await _http.GetAsync("/healthz/active");
        Assert.Equal((HttpStatusCode.OK, "ok: active: the only replica (embedded store)\n"), (single, singleBody));

        foreach (var (role, expected, line) in new[]
                 {
                     (new Replicas.FakeReplicaRole("bot-a", active: true), HttpStatusCode.OK, "ok: active: replica bot-a holds the leader lease\n"),
                     (new Replicas.FakeReplicaRole("bot-b", active: false), HttpStatusCode.ServiceUnavailable,
                         "standby: replica bot-b does not hold the leader lease; it answers what only reads and refuses actions\n"),
                 })
        {
            await using var http = await MonitorHttpHarness.StartAsync(_time, _health, _store, replicas: role);
            Assert.Equal((expected, line), ((await http.GetAsync("/healthz/active")).Status, (await http.GetAsync("/healthz/active")).Body));
            var (status, body, _) = await http.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.OK, status); // a standby is healthy: /healthz is for "is this process well", not "is it the one"
            Assert.DoesNotContain("leader lease", body);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/healthz/other")).Status);
    }

    private sealed class FakeHealth : IMonitorHealthSource
    {
        public DateTimeOffset? LastPollAt { get; set; }
        public TimeSpan Interval => TimeSpan.FromSeconds(1);
    }
}
