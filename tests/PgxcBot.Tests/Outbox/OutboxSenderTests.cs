using System.Collections.Concurrent;
using PgxcBot.Outbox;

namespace PgxcBot.Tests.Outbox;

/// <summary>The delivery policy, against a scripted chat: order, coalescing, back-off, independent lanes.</summary>
public sealed class OutboxSenderTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 3, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(T0);
    private readonly MemoryOutboxStore _store = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly OutboxSenderOptions _options = new() { LookEvery = TimeSpan.FromSeconds(2), BackoffBase = TimeSpan.FromSeconds(1), BackoffMax = TimeSpan.FromSeconds(60) };
    private ScriptedChannel _chat = null!;
    private OutboxSender _sender = null!;
    private Task _run = Task.CompletedTask;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _chat.Release();
        await _stop.CancelAsync();
        await _run;
    }

    private void Start(bool editsInPlace)
    {
        _chat = new ScriptedChannel(editsInPlace);
        _sender = new OutboxSender(_store, _chat, _options, _time, NullLogger<OutboxSender>.Instance);
        _run = _sender.RunAsync(_stop.Token);
    }

    private static OutboxEntry Entry(OutboxKind kind, string? key, string title) =>
        OutboxEntry.New(T0, "chat", kind, key, ChatMessage.Simple(title, Severity.Info, title));

    private Task AddAsync(params OutboxEntry[] entries) => _store.EnqueueAsync(entries, default);

    private int PendingCount => _store.All.Count(e => e.DoneAt is null);

    [Fact]
    public async Task Progress_of_one_message_is_coalesced_to_its_newest_state_and_never_goes_back()
    {
        Start(editsInPlace: true);
        _chat.Hold = true; // the first edit hangs: states pile up behind it
        await AddAsync(Entry(OutboxKind.Progress, "operation/1", "step 1"));
        await Eventually.HoldsAsync(() => _chat.Attempts.Count == 1, "the first edit started");
        await AddAsync(Entry(OutboxKind.Progress, "operation/1", "step 2"), Entry(OutboxKind.Progress, "operation/1", "step 3"),
            Entry(OutboxKind.Progress, "operation/1", "succeeded"));
        _chat.Hold = false;
        _chat.Release();

        await Eventually.HoldsAsync(() => PendingCount == 0, "all settled");
        Assert.Equal(["step 1", "succeeded"], _chat.Delivered.Select(e => e.Body.Title));
        Assert.Equal(2, _store.All.Count(e => e.Outcome == OutboxOutcome.Superseded));

        // Another process delivered a newer state meanwhile (the store says so): an older pending one is never shown.
        await _store.CompleteAsync([], OutboxOutcome.Delivered, T0, new PostedMessage("chat", "operation/1", "m-operation/1", null, 1000), default);
        await AddAsync(Entry(OutboxKind.Progress, "operation/1", "an older state"));
        await Eventually.HoldsAsync(() => PendingCount == 0, "the older state settled");
        Assert.Equal("succeeded", _chat.Delivered[^1].Body.Title);
        Assert.Equal(OutboxOutcome.Superseded, _store.All[^1].Outcome);
    }

    [Fact]
    public async Task Alerts_keep_their_order_through_failures_and_back_off_grows_to_its_cap()
    {
        Start(editsInPlace: true);
        _chat.Failing = true;
        await AddAsync(Entry(OutboxKind.Alert, "a", "alert 1"), Entry(OutboxKind.Alert, "b", "alert 2"));
        await Eventually.HoldsAsync(() => _chat.Attempts.Count == 1, "the first attempt");
        await AddAsync(Entry(OutboxKind.Reminder, "a", "alert 1 still"));

        // Attempts on the head only, 1 s, 2 s, 4 s ... apart, capped at 60 s.
        for (var i = 0; i < 12; i++)
        {
            var before = _chat.Attempts.Count;
            var head = _store.All.First(e => e.DoneAt is null);
            await Eventually.HoldsAsync(() => _store.All.First(e => e.DoneAt is null).Attempts == before, "the failure recorded");
            head = _store.All.First(e => e.DoneAt is null);
            Assert.Equal(TimeSpan.FromSeconds(Math.Min(Math.Pow(2, before - 1), 60)), head.NextAttemptAt!.Value - _time.GetUtcNow());
            _time.Advance(head.NextAttemptAt.Value - _time.GetUtcNow());
            await AttemptComesAsync(before + 1);
        }
        Assert.All(_chat.Attempts, a => Assert.Equal("alert 1", a.Body.Title));

        _chat.Failing = false;
        var due = _store.All.First(e => e.DoneAt is null).NextAttemptAt!.Value;
        _time.Advance(due - _time.GetUtcNow());
        await Eventually.HoldsAsync(() => PendingCount == 0, "all delivered after the outage");
        Assert.Equal(["alert 1", "alert 2", "alert 1 still"], _chat.Delivered.Select(e => e.Body.Title));
    }

    /// <summary>
    /// Waits for attempt <paramref name="n"/>. The sender reads the clock, then arms its wait: when the test's advance
    /// falls between the two, the wait is armed from the new time and would never end on a fake clock (seen under CI
    /// load). Then the clock is moved on by the sender's look interval, which wakes it as real time would. Nothing is
    /// moved once the attempt has started, so the failure's back-off is still measured from the clock the test reads.
    /// </summary>
    private async Task AttemptComesAsync(int n)
    {
        var nudgeAt = DateTime.UtcNow.AddMilliseconds(200);
        await Eventually.HoldsAsync(() =>
        {
            if (_chat.Attempts.Count >= n) return true;
            if (DateTime.UtcNow > nudgeAt)
            {
                _time.Advance(_options.LookEvery);
                nudgeAt = DateTime.UtcNow.AddMilliseconds(200);
            }
            return false;
        }, $"attempt {n}");
        Assert.Equal(n, _chat.Attempts.Count);
    }

    [Fact]
    public async Task A_hung_progress_edit_holds_back_neither_alerts_nor_other_messages()
    {
        Start(editsInPlace: true);
        _chat.HoldOnly = "operation/1";
        await AddAsync(Entry(OutboxKind.Progress, "operation/1", "op 1 step 1"));
        await Eventually.HoldsAsync(() => _chat.Attempts.Count == 1, "the hung edit started");
        await AddAsync(Entry(OutboxKind.Alert, "x", "alert"), Entry(OutboxKind.Progress, "operation/2", "op 2 done"));
        // The fake chat counts a delivery when it answers; the sender records it in the store just after: wait for both.
        await Eventually.HoldsAsync(() => _chat.Delivered.Count == 2 && PendingCount == 1,
            "the alert and the other operation delivered and recorded, the hung edit still pending");

        // The hung edit times out (the sender's limit), is retried, and its newest state goes out.
        await AddAsync(Entry(OutboxKind.Progress, "operation/1", "op 1 succeeded"));
        _chat.HoldOnly = null;
        _time.Advance(_options.DeliveryTimeout);
        await Eventually.HoldsAsync(() => PendingCount == 0, "the operation's final state delivered");
        Assert.Equal("op 1 succeeded", _chat.Delivered[^1].Body.Title);
    }

    [Fact]
    public async Task A_terminal_gets_every_line_in_order_and_a_flush_prints_what_is_pending_before_the_answer()
    {
        Start(editsInPlace: false);
        _chat.Hold = true;
        var sender = _sender;
        await AddAsync(Entry(OutboxKind.Progress, "operation/1", "line 1"), Entry(OutboxKind.Progress, "operation/1", "line 2"),
            Entry(OutboxKind.Alert, "a", "alert"), Entry(OutboxKind.Progress, "operation/1", "line 3"));
        var flushed = sender.FlushAsync(default);
        _chat.Hold = false;
        _chat.Release();
        await flushed;
        Assert.Equal(0, PendingCount);
        Assert.Equal(["line 1", "line 2", "alert", "line 3"], _chat.Delivered.Select(e => e.Body.Title).Distinct());
        Assert.Equal(4, _chat.Delivered.Count); // the background sender and the flush never both printed one
    }

    [Fact]
    public async Task A_message_chat_showed_as_the_host_stops_is_recorded_delivered_so_the_next_start_does_not_send_it_again()
    {
        Start(editsInPlace: false);
        _chat.Delivering = _stop.Cancel; // the host starts stopping while the post is answered
        await AddAsync(Entry(OutboxKind.Alert, "datanode1/slave-lost", "slave lost"));
        await _run.WaitAsync(TimeSpan.FromSeconds(10));

        var entry = Assert.Single(_store.All);
        Assert.Equal(OutboxOutcome.Delivered, entry.Outcome);
        Assert.Equal(0, PendingCount);
        // The post's id is kept too: the next update of the incident replies to it.
        Assert.Equal("m-datanode1/slave-lost", (await _store.GetPostedAsync("chat", "datanode1/slave-lost", default))?.ExternalId);
    }

    /// <summary>A chat that records, fails on demand, or hangs until released (or until the sender's time limit).</summary>
    private sealed class ScriptedChannel(bool editsInPlace) : IOutboxChannel
    {
        private readonly OutboxPulse _release = new();

        public ConcurrentQueue<OutboxEntry> AttemptsQueue { get; } = new();
        public IReadOnlyList<OutboxEntry> Attempts => AttemptsQueue.ToArray();
        private readonly ConcurrentQueue<OutboxEntry> _delivered = new();
        public IReadOnlyList<OutboxEntry> Delivered => _delivered.ToArray();
        public volatile bool Failing;
        public volatile bool Hold;
        public volatile string? HoldOnly;

        /// <summary>Runs as chat has shown the message, before the answer reaches the sender.</summary>
        public Action? Delivering;

        public string Target => "chat";
        public bool EditsInPlace => editsInPlace;

        public void Release() => _release.Fire();

        public async Task<DeliveryResult> DeliverAsync(OutboxEntry entry, PostedMessage? posted, CancellationToken cancellationToken)
        {
            AttemptsQueue.Enqueue(entry);
            if (Hold || (HoldOnly is { } key && entry.MessageKey == key)) await _release.WaitAsync(cancellationToken);
            if (Failing) return DeliveryResult.Later("chat down");
            _delivered.Enqueue(entry);
            Delivering?.Invoke();
            return DeliveryResult.Done(entry.MessageKey is { } k ? new PostedMessage("chat", k, "m-" + k, null, entry.Id) : null);
        }
    }
}
