using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Operations;

namespace PgxcBot.Outbox;

/// <summary>
/// Delivers the outbox of one target through its <see cref="IOutboxChannel"/>, at least once, and never holds
/// up whoever wrote the entries:
/// <list type="bullet">
/// <item>Alerts, reminders, recoveries and replies (and everything, for a channel that cannot edit) go in one
/// ordered lane: in id order, a failed one holds back the later ones until it is delivered.</item>
/// <item>For a channel that edits in place, each progress key (an operation's live message) has its own lane and
/// only its newest pending entry is delivered; older ones are superseded, and one older than what was already
/// delivered never goes out (the store remembers the newest delivered id per key).</item>
/// <item>A failed attempt (error, no answer within <see cref="OutboxSenderOptions.DeliveryTimeout"/>) is recorded and
/// retried after an exponential back-off, never sooner than the chat's retry-after; lanes are independent, so a hung
/// progress edit delays neither alerts nor other operations.</item>
/// </list>
/// </summary>
/// <param name="pictures">Draws the picture an entry asks for just before it is delivered (so the monitor that wrote the
/// entry never waits for drawing); null: entries go without their pictures.</param>
public sealed partial class OutboxSender(IOutboxStore store, IOutboxChannel channel, OutboxSenderOptions options, TimeProvider time, ILogger logger,
    Pictures.ChatPictures? pictures = null)
{
    private const string OrderedLane = "ordered";

    private readonly ConcurrentDictionary<string, Task> _busy = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _notBefore = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _ordered = new(1, 1);
    private readonly OutboxPulse _wake = new();
    private DateTimeOffset _lastPrune = DateTimeOffset.MinValue;

    /// <summary>The target this sender delivers.</summary>
    public string Target => channel.Target;

    /// <summary>Looks, delivers and waits, until <paramref name="cancellationToken"/> fires. Never throws otherwise: a
    /// store that cannot be read is logged and looked at again.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        LogStarted(logger, channel.Target);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                TimeSpan wait = options.LookEvery;
                try
                {
                    await PruneIfDueAsync(cancellationToken).ConfigureAwait(false);
                    if (await ScheduleAsync(cancellationToken).ConfigureAwait(false) is { } due && due < wait) wait = due;
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested)
                {
                    // Stopping: a look cut short is no failure of the store.
                    break;
                }
                catch (Exception e)
                {
                    LogLookFailed(logger, channel.Target, e.Message, e);
                }
                await WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Workers honour the same token; they end promptly.
            try { await Task.WhenAll(_busy.Values).ConfigureAwait(false); }
            catch (Exception e) when (e is OperationCanceledException) { }
        }
    }

    /// <summary>
    /// Delivers, now and in order, every pending entry of the ordered lane (for a terminal: everything), and returns
    /// when none is left that can be delivered. The console calls it before printing a command's answer, so that
    /// step lines come before the answer. Waits for a delivery already running in that lane.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _ordered.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await DeliverOrderedAsync(ignoreBackoff: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _ordered.Release();
        }
    }

    private async Task WaitAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var woken = Task.WhenAny(store.WaitForEntriesAsync(linked.Token), _wake.WaitAsync(linked.Token),
            Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time, linked.Token));
        await woken.ConfigureAwait(false);
        await linked.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Starts a worker for every lane that has something due and none running. Returns how soon the next
    /// entry held back by a back-off is due, if any.</summary>
    private async Task<TimeSpan?> ScheduleAsync(CancellationToken cancellationToken)
    {
        var pending = await store.GetPendingAsync(channel.Target, options.BatchSize, cancellationToken).ConfigureAwait(false);
        if (pending.Count == 0) return null;
        var now = time.GetUtcNow();
        TimeSpan? soonest = null;
        void Due(DateTimeOffset at)
        {
            var wait = at - now;
            if (soonest is null || wait < soonest) soonest = wait;
        }

        foreach (var lane in pending.GroupBy(LaneOf))
        {
            if (_busy.ContainsKey(lane.Key)) continue;
            if (_notBefore.TryGetValue(lane.Key, out var notBefore) && notBefore > now)
            {
                Due(notBefore);
                continue;
            }
            var entries = lane.ToArray();
            // The ordered lane waits for its head; a progress lane for its newest state.
            var head = lane.Key == OrderedLane ? entries[0] : entries[^1];
            if (head.NextAttemptAt is { } next && next > now)
            {
                Due(next);
                continue;
            }
            Start(lane.Key, entries, cancellationToken);
        }
        return soonest;
    }

    private string LaneOf(OutboxEntry entry) =>
        channel.EditsInPlace && entry is { Kind: OutboxKind.Progress, MessageKey: { } key } ? "key:" + key : OrderedLane;

    private void Start(string lane, OutboxEntry[] entries, CancellationToken cancellationToken)
    {
        var worker = Task.Run(async () =>
        {
            try
            {
                if (lane == OrderedLane)
                {
                    await _ordered.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        await DeliverOrderedAsync(ignoreBackoff: false, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        _ordered.Release();
                    }
                }
                else
                {
                    await DeliverNewestAsync(lane, entries, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping: the entry stays pending and is delivered at the next start.
            }
            catch (Exception e)
            {
                LogLaneFailed(logger, channel.Target, lane, e.Message, e);
            }
        }, CancellationToken.None);
        _busy[lane] = worker;
        _ = worker.ContinueWith(_ =>
        {
            _busy.TryRemove(new KeyValuePair<string, Task>(lane, worker));
            _wake.Fire();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The ordered lane, read afresh under its lock (so that a flush and a worker never deliver one entry twice).</summary>
    private async Task DeliverOrderedAsync(bool ignoreBackoff, CancellationToken cancellationToken)
    {
        var pending = await store.GetPendingAsync(channel.Target, options.BatchSize, cancellationToken).ConfigureAwait(false);
        foreach (var entry in pending.Where(e => LaneOf(e) == OrderedLane))
        {
            if (!ignoreBackoff && entry.NextAttemptAt is { } next && next > time.GetUtcNow()) return;
            var posted = entry.MessageKey is { } key ? await store.GetPostedAsync(channel.Target, key, cancellationToken).ConfigureAwait(false) : null;
            var result = await AttemptAsync(entry, posted, cancellationToken).ConfigureAwait(false);
            if (!await SettleAsync(OrderedLane, entry, result).ConfigureAwait(false)) return;
        }
    }

    /// <summary>A progress lane: the newest state of the key, unless something newer was already delivered; the
    /// older pending states are superseded.</summary>
    private async Task DeliverNewestAsync(string lane, OutboxEntry[] entries, CancellationToken cancellationToken)
    {
        var newest = entries[^1];
        var posted = await store.GetPostedAsync(channel.Target, newest.MessageKey!, cancellationToken).ConfigureAwait(false);
        if (posted is not null && posted.DeliveredId >= newest.Id)
        {
            await store.CompleteAsync(entries.Select(e => e.Id).ToArray(), OutboxOutcome.Superseded, time.GetUtcNow(), null, cancellationToken).ConfigureAwait(false);
            LogSuperseded(logger, channel.Target, newest.MessageKey!, entries.Length);
            return;
        }
        if (entries.Length > 1)
        {
            await store.CompleteAsync(entries[..^1].Select(e => e.Id).ToArray(), OutboxOutcome.Superseded, time.GetUtcNow(), null, cancellationToken).ConfigureAwait(false);
            LogSuperseded(logger, channel.Target, newest.MessageKey!, entries.Length - 1);
        }
        var result = await AttemptAsync(newest, posted, cancellationToken).ConfigureAwait(false);
        await SettleAsync(lane, newest, result).ConfigureAwait(false);
    }

    /// <summary>One attempt, bounded by <see cref="OutboxSenderOptions.DeliveryTimeout"/>; a channel that throws or does
    /// not answer gets a retry, never an exception in the sender.</summary>
    private async Task<DeliveryResult> AttemptAsync(OutboxEntry entry, PostedMessage? posted, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(options.DeliveryTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            if (pictures is not null && entry.Body.Picture is not null)
                entry = entry with { Body = await pictures.AttachAsync(entry.Body, linked.Token).ConfigureAwait(false) };
            return await channel.DeliverAsync(entry, posted, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return DeliveryResult.Later($"no answer within {options.DeliveryTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return DeliveryResult.Later($"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>How long recording an attempt's outcome may take, whether or not the host is stopping.</summary>
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Records what happened to <paramref name="entry"/>; true when its lane may go on to the next entry. Not cut
    /// short by the host stopping: a message chat has shown but the store still holds as pending is sent again by the
    /// next start (MonitorTests saw the slave-lost alert twice across a restart right after it was posted), and a post's
    /// id, which later updates reply to, would be lost. Bounded by <see cref="SettleTimeout"/> instead.</summary>
    private async Task<bool> SettleAsync(string lane, OutboxEntry entry, DeliveryResult result)
    {
        using var settle = new CancellationTokenSource(SettleTimeout);
        var cancellationToken = settle.Token;
        var now = time.GetUtcNow();
        switch (result.Status)
        {
            case DeliveryStatus.Delivered:
                _notBefore.TryRemove(lane, out _);
                var posted = result.Posted is { } p ? p with { DeliveredId = Math.Max(p.DeliveredId, entry.Id) } : null;
                await store.CompleteAsync([entry.Id], OutboxOutcome.Delivered, now, posted, cancellationToken).ConfigureAwait(false);
                if (entry.Attempts > 0) LogDeliveredAfterFailures(logger, channel.Target, entry.Id, entry.Kind.ToString(), entry.MessageKey ?? "", entry.Attempts, now - entry.CreatedAt);
                else LogDelivered(logger, channel.Target, entry.Id, entry.Kind.ToString(), entry.MessageKey ?? "");
                return true;
            case DeliveryStatus.Dropped:
                await store.CompleteAsync([entry.Id], OutboxOutcome.Dropped, now, null, cancellationToken).ConfigureAwait(false);
                if (result.Expected) LogNowhere(logger, channel.Target, entry.Id, entry.MessageKey ?? "", result.Reason ?? "");
                else LogDropped(logger, channel.Target, entry.Id, entry.Kind.ToString(), entry.MessageKey ?? "", result.Reason ?? "");
                return true;
            case DeliveryStatus.NotYet:
                _notBefore[lane] = now + result.RetryAfter;
                return false;
            default:
                var backoff = Backoff(entry.Attempts + 1);
                var next = now + (result.RetryAfter > backoff ? result.RetryAfter : backoff);
                await store.RecordFailureAsync(entry.Id, result.Reason ?? "failed", next, cancellationToken).ConfigureAwait(false);
                LogRetry(logger, channel.Target, entry.Id, entry.Kind.ToString(), entry.MessageKey ?? "", entry.Attempts + 1, result.Reason ?? "", (next - now).TotalSeconds);
                return false;
        }
    }

    private TimeSpan Backoff(int attempts)
    {
        var raw = options.BackoffBase.TotalMilliseconds * Math.Pow(2, Math.Min(attempts - 1, 20));
        return TimeSpan.FromMilliseconds(Math.Min(raw, options.BackoffMax.TotalMilliseconds));
    }

    private async Task PruneIfDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now - _lastPrune < TimeSpan.FromHours(6)) return;
        _lastPrune = now;
        try
        {
            var pruned = await store.PruneAsync(now - options.KeepFor, cancellationToken).ConfigureAwait(false);
            if (pruned > 0) LogPruned(logger, pruned, options.KeepFor.TotalDays);
        }
        catch (StoreUnavailableException e)
        {
            LogLookFailed(logger, channel.Target, e.Message, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outbox sender for {Target} started")]
    private static partial void LogStarted(ILogger logger, string target);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outbox {Target}: entry {Id} ({Kind} {Key}) delivered")]
    private static partial void LogDelivered(ILogger logger, string target, long id, string kind, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox {Target}: entry {Id} ({Kind} {Key}) delivered after {Attempts} failed attempt(s), {Delay} after it was written")]
    private static partial void LogDeliveredAfterFailures(ILogger logger, string target, long id, string kind, string key, int attempts, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outbox {Target}: {Count} older state(s) of {Key} superseded by a newer one")]
    private static partial void LogSuperseded(ILogger logger, string target, string key, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox {Target}: entry {Id} ({Kind} {Key}) not delivered (attempt {Attempt}): {Reason}; next attempt in {DelaySeconds} s")]
    private static partial void LogRetry(ILogger logger, string target, long id, string kind, string key, int attempt, string reason, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox {Target}: entry {Id} ({Kind} {Key}) dropped: {Reason}")]
    private static partial void LogDropped(ILogger logger, string target, long id, string kind, string key, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outbox {Target}: entry {Id} ({Key}) has nowhere to go: {Reason}")]
    private static partial void LogNowhere(ILogger logger, string target, long id, string key, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox {Target}: could not read or mark the outbox: {Reason}; looking again shortly")]
    private static partial void LogLookFailed(ILogger logger, string target, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox {Target}: lane {Lane} failed: {Reason}; it is retried at the next look")]
    private static partial void LogLaneFailed(ILogger logger, string target, string lane, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox: deleted {Count} chat message(s) older than {Days} days")]
    private static partial void LogPruned(ILogger logger, int count, double days);
}
