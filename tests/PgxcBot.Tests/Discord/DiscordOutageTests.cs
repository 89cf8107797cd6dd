using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Monitoring;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PgxcBot.Monitoring.Health;
using PgxcBot.Outbox;

namespace PgxcBot.Tests.Discord;

/// <summary>
/// The monitor with Discord out for minutes (on a fake clock: 1 poll per simulated second): the monitor never
/// waits for it, /healthz stays healthy, and every alert of the outage reaches the channel afterwards, once and in
/// order. And a round the store cannot take is written with the next one, so nothing is lost there either.
/// </summary>
public sealed class DiscordOutageTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly CancellationTokenSource _stop = new();
    private DiscordHarness _h = null!;
    private MonitorService _monitor = null!;
    private FlakyMonitorStore _store = null!;

    public async Task InitializeAsync()
    {
        // The sender as in production (1 s back-off doubling to 60 s, 30 s per attempt), on the fake clock.
        // The serving bot's monitor, as composed, with the incident store failing on demand.
        _h = await DiscordHarness.StartAsync(senderTime: _clock, senderOptions: new OutboxSenderOptions(),
            alerts: AlertSettings.Default with { Reminder = TimeSpan.FromMinutes(1) },
            fakes: services => services.AddSingleton<IMonitorStateStore>(p => new FlakyMonitorStore(new SqliteMonitorStore(p.GetRequiredService<SqliteStore>(), _clock))));
        _store = (FlakyMonitorStore)_h.Bot.GetRequiredService<IMonitorStateStore>();
        _monitor = _h.Bot.GetRequiredService<MonitorService>();
        await _monitor.StartAsync(_stop.Token);
        await _monitor.Started.WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.HoldsAsync(() => _monitor.Polls >= 1, "the first poll");
    }

    public async Task DisposeAsync()
    {
        await _monitor.StopAsync(CancellationToken.None);
        await _h.DisposeAsync();
        _stop.Dispose();
    }

    /// <summary>One simulated second: the clock moves, the monitor polls (and must finish: it waits for no chat).</summary>
    private async Task SecondAsync()
    {
        var before = _monitor.Polls;
        _clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.HoldsAsync(() => _monitor.Polls > before, "the monitor's next poll", 5);
        var health = await new MonitorFreshnessCheck(_monitor, _clock).CheckHealthAsync(new HealthCheckContext());
        Assert.True(health.Status == HealthStatus.Healthy, health.Description);
    }

    private int Pending => _h.PendingAsync().GetAwaiter().GetResult().Count;

    /// <summary>Every alert the monitor wrote for Discord, in the order it wrote them.</summary>
    private List<(string Title, string Kind, string Key)> Written()
    {
        using var connection = new SqliteConnection($"Data Source={_h.Store.Path};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT body, kind, message_key FROM outbox WHERE target = 'discord' AND kind <> 'Progress' ORDER BY id;";
        using var reader = command.ExecuteReader();
        var result = new List<(string, string, string)>();
        while (reader.Read())
            result.Add((System.Text.Json.JsonDocument.Parse(reader.GetString(0)).RootElement.GetProperty("title").GetString()!, reader.GetString(1), reader.GetString(2)));
        return result;
    }

    [Fact]
    public async Task A_five_minute_Discord_outage_during_alerts_loses_none_and_delivers_them_in_order_afterwards()
    {
        await SecondAsync();
        // Discord unreachable (connections cut, as with DNS or the network gone) for the first half, then hanging
        // (requests never answered) for the second half.
        _h.Fake.Down = true;
        _h.Cluster.Servers["node01:20006"].Running = false; // datanode1's master dies
        for (var t = 1; t <= 300; t++)
        {
            if (t == 150)
            {
                for (var i = 0; i < 10000; i++) _h.Fake.Hangs.Enqueue("/messages");
                _h.Fake.Down = false;
            }
            if (t == 240) _h.Cluster.Servers["node01:20006"].Running = true; // and comes back
            await SecondAsync();
        }
        var written = Written();
        var key = written.First(w => w.Kind == "Alert").Key; // what the fake cluster shows of a dead master
        Assert.StartsWith("datanode1/master-", key);
        Assert.True(written.Count(w => w.Kind == "Reminder" && w.Key == key) >= 3, string.Join("; ", written));
        Assert.Contains(written, w => w.Kind == "Recovery" && w.Key == key);
        Assert.Empty(_h.Fake.ChannelMessages); // nothing got through during the outage
        Assert.Equal(written.Count, Pending);   // and nothing was given up

        // Discord is back: everything, in order, once. The clock moves a second per poll until the outbox is empty.
        // How many simulated seconds that takes is not asserted: the sender's posts take real time, and on a loaded
        // host the fake clock runs ahead of them (a retry's back-off, at most 60 s, then starts late on the fake
        // clock; CI saw 120 simulated seconds pass before the last post, and nothing moved the clock after that).
        while (_h.Fake.Hangs.TryDequeue(out _)) { }
        _h.Fake.ReleaseHangs();
        var drainedBy = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
        while (Pending > 0 && Stopwatch.GetTimestamp() < drainedBy) await SecondAsync();
        Assert.True(Pending == 0, $"{Pending} message(s) still in the outbox after 60 s with the clock moving");

        // Counted as messages Discord created, not as 200 answers: a post whose answer the client gave up on (a hung
        // request released just after the sender's 30 s timeout) is retried with its nonce, and Discord answers the
        // retry with the message it already created: a second 200, one message.
        var posts = _h.Fake.Requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/messages", StringComparison.Ordinal)).ToArray();
        Assert.All(posts, p => Assert.True(p.Body!["enforce_nonce"]!.GetValue<bool>()));
        Assert.Equal(written.Count, posts.Select(p => p.Body!["nonce"]!.GetValue<string>()).Distinct().Count()); // one nonce per alert, however often tried
        var created = _h.Fake.Created;
        var shown = created.Select(m => m["embeds"]![0]!["title"]!.GetValue<string>()).ToArray();
        Assert.Equal(written.Count, shown.Length); // no alert twice
        Assert.All(written.Zip(shown), w => Assert.EndsWith(w.First.Title, w.Second)); // "[CRITICAL] " + the title, in the order written
        Assert.Equal(written.Count, _h.Fake.ChannelMessages.Count);
        var raise = created[written.FindIndex(w => w.Kind == "Alert" && w.Key == key)];
        var raisedId = raise["id"]!.GetValue<string>();
        Assert.All(created.Where(m => m["message_reference"] is not null), m => Assert.Equal(raisedId, m["message_reference"]!["message_id"]!.GetValue<string>()));
        Assert.Equal(written.Count(w => w.Kind != "Alert"), created.Count(m => m["message_reference"] is not null));
        Assert.Contains("<@&" + DiscordHarness.OnCallRole + ">", raise["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_round_the_store_cannot_take_is_not_marked_sent_and_is_written_with_the_next_one()
    {
        _store.Failing = true;
        _h.Cluster.Servers["node01:20006"].Running = false;
        for (var t = 0; t < 4; t++) await SecondAsync();
        Assert.Empty(Written()); // the alert is not queued: it was not stored
        Assert.Empty(_h.Fake.ChannelMessages);

        _store.Failing = false;
        await SecondAsync();
        await Eventually.HoldsAsync(() => _h.Fake.ChannelMessages.Count == 1, "the alert delivered once the store wrote it");
        var stored = await new SqliteMonitorStore(_h.Store, _clock).GetActiveIncidentsAsync(default);
        Assert.Contains(stored, i => i.Key.StartsWith("datanode1/master-", StringComparison.Ordinal) && i.Status == IncidentStatus.Open);
        Assert.Single(Written(), w => w.Kind == "Alert");
    }

    /// <summary>The SQLite monitor store, failing every round while <see cref="Failing"/> (a full disk).</summary>
    private sealed class FlakyMonitorStore(SqliteMonitorStore inner) : IMonitorStateStore
    {
        public volatile bool Failing;

        public Task<IReadOnlyList<Incident>> GetActiveIncidentsAsync(CancellationToken cancellationToken) => inner.GetActiveIncidentsAsync(cancellationToken);
        public Task SaveIncidentsAsync(IReadOnlyList<Incident> incidents, CancellationToken cancellationToken) => inner.SaveIncidentsAsync(incidents, cancellationToken);
        public Task<IReadOnlyList<AsyncSwitchRecord>> GetAsyncSwitchRecordsAsync(CancellationToken cancellationToken) => inner.GetAsyncSwitchRecordsAsync(cancellationToken);
        public Task SaveAsyncSwitchAsync(AsyncSwitchRecord record, CancellationToken cancellationToken) => inner.SaveAsyncSwitchAsync(record, cancellationToken);
        public Task RemoveAsyncSwitchAsync(string datanode, CancellationToken cancellationToken) => inner.RemoveAsyncSwitchAsync(datanode, cancellationToken);

        public Task SaveRoundAsync(MonitorRound round, CancellationToken cancellationToken) => Failing
            ? throw new StoreUnavailableException("the store (test) could not write the monitor's round: the database or its disk is full")
            : inner.SaveRoundAsync(round, cancellationToken);
    }
}
