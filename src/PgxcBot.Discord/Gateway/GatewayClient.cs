using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PgxcBot.Discord.Interactions;
using PgxcBot.Discord.Rest;

namespace PgxcBot.Discord.Gateway;

/// <summary>
/// A gateway v10 connection (JSON, no compression, no intents: INTERACTION_CREATE needs none). Hello, then
/// heartbeats (the first after interval × jitter); Identify, or Resume with the last sequence number when a
/// session exists; READY keeps session_id and resume_gateway_url. A missing heartbeat ACK (zombie connection),
/// Reconnect (op 7), a resumable close or a dropped connection lead to Resume; Invalid Session to Resume or a
/// new Identify as its flag says, after 1-5 s; close codes 4004 and 4010-4014 stop with
/// <see cref="GatewayFatalException"/> naming the cause, and so does a bot token REST rejects
/// (<see cref="DiscordUnauthorizedException"/>); anything else (REST or DNS down when a new session needs
/// <c>GET /gateway/bot</c>, a dropped socket) is retried. Repeated failures back off exponentially with jitter.
/// Resume is preferred: Identifies are limited per day, and going over resets the token.
/// </summary>
public sealed partial class GatewayClient(
    DiscordApi api,
    Func<string> token,
    Action<Interaction> onInteraction,
    GatewayOptions options,
    TimeProvider time,
    ILogger<GatewayClient> logger)
{
    private enum Next { Resume, Reidentify }

    private string? _gatewayUrl;
    private string? _sessionId;
    private string? _resumeUrl;
    private int _identifies;
    private int _resumes;

    /// <summary>Last sequence number received (what a Resume sends).</summary>
    public long? Sequence => Interlocked.Read(ref _sequenceBox) is var s && s < 0 ? null : s;
    private long _sequenceBox = -1;
    public string? SessionId => _sessionId;
    public int Identifies => Volatile.Read(ref _identifies);
    public int Resumes => Volatile.Read(ref _resumes);
    /// <summary>True between READY/RESUMED and the end of that connection.</summary>
    public bool IsReady { get; private set; }

    /// <summary>Runs until <paramref name="cancellationToken"/> fires (then returns), or throws <see cref="GatewayFatalException"/>.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunLoopAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogStopped(logger);
        }
    }

    private async Task RunLoopAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var resume = _sessionId is not null && _resumeUrl is not null;
            (Next next, bool reachedReady, TimeSpan extraDelay) outcome;
            try
            {
                // A new session starts with GET /gateway/bot: REST being down (DNS, connection refused, 5xx) is a
                // failed connection like any other, retried with back-off; only a rejected token is fatal.
                var url = resume ? _resumeUrl : await GatewayUrlAsync(cancellationToken).ConfigureAwait(false);
                outcome = url is null
                    ? (Next.Resume, false, TimeSpan.Zero)
                    : await ConnectAsync(url, resume, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or IOException or System.Net.Http.HttpRequestException or JsonException or KeyNotFoundException
                                          || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                LogConnectionLost(logger, e.Message);
                // Resumable as long as a session exists (the next round identifies when there is none).
                outcome = (Next.Resume, false, TimeSpan.Zero);
            }
            finally
            {
                IsReady = false;
            }
            if (cancellationToken.IsCancellationRequested) break;
            if (outcome.next == Next.Reidentify) ForgetSession();
            failures = outcome.reachedReady ? 0 : failures + 1;
            var delay = outcome.extraDelay + Backoff(failures);
            if (delay > TimeSpan.Zero)
            {
                LogReconnecting(logger, delay.TotalSeconds, outcome.next == Next.Resume && _sessionId is not null ? "resume" : "identify", failures);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Where to open a new session, or null (logged) when Discord's REST API cannot say now.</summary>
    private async Task<string?> GatewayUrlAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await PrepareIdentifyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when ((e is DiscordApiException && e is not DiscordUnauthorizedException) || e is System.Net.Http.HttpRequestException or IOException
                                  or JsonException or KeyNotFoundException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogGatewayUrlFailed(logger, e.Message);
            return null;
        }
    }

    private async Task<string> PrepareIdentifyAsync(CancellationToken cancellationToken)
    {
        var info = await api.GetGatewayBotAsync(cancellationToken).ConfigureAwait(false);
        _gatewayUrl = info.Url;
        if (info.Remaining <= 0)
        {
            LogIdentifyBudget(logger, info.ResetAfter.TotalSeconds);
            await Task.Delay(info.ResetAfter, time, cancellationToken).ConfigureAwait(false);
        }
        return _gatewayUrl;
    }

    private TimeSpan Backoff(int failures)
    {
        if (failures == 0) return TimeSpan.Zero;
        var raw = options.BackoffBase.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 16));
        var capped = Math.Min(raw, options.BackoffMax.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + options.Jitter()));
    }

    private void ForgetSession()
    {
        _sessionId = null;
        _resumeUrl = null;
        Interlocked.Exchange(ref _sequenceBox, -1);
    }

    private async Task<(Next, bool, TimeSpan)> ConnectAsync(string url, bool resume, CancellationToken cancellationToken)
    {
        using var socket = new ClientWebSocket();
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var uri = new Uri(url.TrimEnd('/') + "/?v=10&encoding=json");
        await socket.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
        LogConnected(logger, uri.GetLeftPart(UriPartial.Path), resume);
        var sendLock = new SemaphoreSlim(1, 1);
        var reachedReady = false;
        Task heartbeats = Task.CompletedTask;
        var ackSinceLastBeat = true;
        var zombie = false;

        async Task SendAsync(JsonObject payload, CancellationToken ct)
        {
            var bytes = Encoding.UTF8.GetBytes(payload.ToJsonString());
            await sendLock.WaitAsync(ct).ConfigureAwait(false);
            try { await socket.SendAsync(bytes, WebSocketMessageType.Text, true, ct).ConfigureAwait(false); }
            finally { sendLock.Release(); }
        }
        JsonObject Heartbeat() => new() { ["op"] = 1, ["d"] = Sequence is { } s ? JsonValue.Create(s) : null };

        async Task BeatAsync(TimeSpan interval, CancellationToken ct)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(interval.TotalMilliseconds * options.Jitter()), time, ct).ConfigureAwait(false);
            while (!ct.IsCancellationRequested)
            {
                if (!Volatile.Read(ref ackSinceLastBeat))
                {
                    // Zombie: the server stopped answering. Close with a non-1000 code so the session stays resumable.
                    zombie = true;
                    LogZombie(logger, Sequence);
                    try
                    {
                        using var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                        await socket.CloseOutputAsync((WebSocketCloseStatus)4000, "heartbeat not acknowledged", closeTimeout.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException) { }
                    socket.Abort();
                    return;
                }
                Volatile.Write(ref ackSinceLastBeat, false);
                await SendAsync(Heartbeat(), ct).ConfigureAwait(false);
                await Task.Delay(interval, time, ct).ConfigureAwait(false);
            }
        }

        try
        {
            using (var helloTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                helloTimeout.CancelAfter(options.HelloTimeout);
                var hello = await ReceiveAsync(socket, helloTimeout.Token).ConfigureAwait(false);
                if (hello is null) return Closed(socket, reachedReady);
                var op = hello.RootElement.GetProperty("op").GetInt32();
                if (op == 7) return (Next.Resume, false, TimeSpan.Zero);
                if (op != 10) throw new WebSocketException($"expected Hello (op 10) first, got op {op}");
                var interval = TimeSpan.FromMilliseconds(hello.RootElement.GetProperty("d").GetProperty("heartbeat_interval").GetDouble());
                heartbeats = BeatAsync(interval, connection.Token);
            }

            if (resume)
            {
                await SendAsync(new JsonObject
                {
                    ["op"] = 6,
                    ["d"] = new JsonObject { ["token"] = token(), ["session_id"] = _sessionId, ["seq"] = Sequence is { } s ? JsonValue.Create(s) : null },
                }, cancellationToken).ConfigureAwait(false);
                LogResuming(logger, _sessionId!, Sequence);
            }
            else
            {
                await SendAsync(new JsonObject
                {
                    ["op"] = 2,
                    ["d"] = new JsonObject
                    {
                        ["token"] = token(),
                        ["intents"] = 0,
                        ["properties"] = new JsonObject { ["os"] = "linux", ["browser"] = "pgxc-bot", ["device"] = "pgxc-bot" },
                    },
                }, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _identifies);
                LogIdentifying(logger);
            }

            while (true)
            {
                using var frame = await ReceiveAsync(socket, cancellationToken).ConfigureAwait(false);
                if (frame is null)
                {
                    if (zombie) return (Next.Resume, reachedReady, TimeSpan.Zero);
                    return Closed(socket, reachedReady);
                }
                var root = frame.RootElement;
                var op = root.GetProperty("op").GetInt32();
                switch (op)
                {
                    case 0:
                        if (root.TryGetProperty("s", out var seq) && seq.ValueKind == JsonValueKind.Number)
                            Interlocked.Exchange(ref _sequenceBox, seq.GetInt64());
                        var type = root.GetProperty("t").GetString();
                        var d = root.GetProperty("d");
                        if (type == "READY")
                        {
                            _sessionId = d.GetProperty("session_id").GetString();
                            _resumeUrl = d.TryGetProperty("resume_gateway_url", out var r) ? r.GetString() : _gatewayUrl;
                            reachedReady = true;
                            IsReady = true;
                            LogReady(logger, _sessionId ?? "");
                        }
                        else if (type == "RESUMED")
                        {
                            reachedReady = true;
                            IsReady = true;
                            Interlocked.Increment(ref _resumes);
                            LogResumed(logger, Sequence);
                        }
                        else if (type == "INTERACTION_CREATE")
                        {
                            Deliver(d);
                        }
                        break;
                    case 1:
                        await SendAsync(Heartbeat(), cancellationToken).ConfigureAwait(false);
                        break;
                    case 11:
                        Volatile.Write(ref ackSinceLastBeat, true);
                        break;
                    case 7:
                        LogReconnectAsked(logger);
                        await CloseQuietlyAsync(socket).ConfigureAwait(false);
                        return (Next.Resume, reachedReady, TimeSpan.Zero);
                    case 9:
                        var resumable = root.TryGetProperty("d", out var flag) && flag.ValueKind == JsonValueKind.True;
                        var wait = options.InvalidSessionDelayMin + (options.InvalidSessionDelayMax - options.InvalidSessionDelayMin) * options.Jitter();
                        LogInvalidSession(logger, resumable, wait.TotalSeconds);
                        await CloseQuietlyAsync(socket).ConfigureAwait(false);
                        return (resumable ? Next.Resume : Next.Reidentify, reachedReady, wait);
                }
            }
        }
        finally
        {
            await connection.CancelAsync().ConfigureAwait(false);
            try { await heartbeats.ConfigureAwait(false); }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException) { }
        }
    }

    private void Deliver(JsonElement d)
    {
        try
        {
            onInteraction(Interaction.Parse(d));
        }
        catch (JsonException e)
        {
            LogBadInteraction(logger, e.Message);
        }
    }

    private (Next, bool, TimeSpan) Closed(ClientWebSocket socket, bool reachedReady)
    {
        var code = (int?)socket.CloseStatus;
        LogClosed(logger, code ?? 0, socket.CloseStatusDescription ?? "");
        if (code is null) return (Next.Resume, reachedReady, TimeSpan.Zero);
        return GatewayCloseCodes.Classify(code.Value) switch
        {
            GatewayCloseCodes.Action.Stop => throw new GatewayFatalException(code.Value),
            GatewayCloseCodes.Action.Reidentify => (Next.Reidentify, reachedReady, TimeSpan.Zero),
            _ => (Next.Resume, reachedReady, TimeSpan.Zero),
        };
    }

    // Closing with 4000 (not 1000/1001) keeps the session resumable.
    private static async Task CloseQuietlyAsync(ClientWebSocket socket)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.CloseOutputAsync((WebSocketCloseStatus)4000, "reconnecting", timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException) { }
        socket.Abort();
    }

    /// <summary>The next whole text frame as JSON, or null when the server closed the connection.</summary>
    private static async Task<JsonDocument?> ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        while (true)
        {
            var result = await socket.ReceiveAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            buffer.Write(chunk, 0, result.Count);
            if (buffer.Length > 16 * 1024 * 1024) throw new WebSocketException("gateway frame larger than 16 MiB");
            if (result.EndOfMessage) break;
        }
        return JsonDocument.Parse(buffer.ToArray());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway client stopped")]
    private static partial void LogStopped(ILogger logger);
    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway connected to {Url} (resume {Resume})")]
    private static partial void LogConnected(ILogger logger, string url, bool resume);
    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway: identifying (intents 0)")]
    private static partial void LogIdentifying(ILogger logger);
    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway: resuming session {SessionId} from sequence {Sequence}")]
    private static partial void LogResuming(ILogger logger, string sessionId, long? sequence);
    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway ready, session {SessionId}")]
    private static partial void LogReady(ILogger logger, string sessionId);
    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway session resumed at sequence {Sequence}")]
    private static partial void LogResumed(ILogger logger, long? sequence);
    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway: no heartbeat ACK since the last heartbeat (zombie connection); reconnecting to resume at sequence {Sequence}")]
    private static partial void LogZombie(ILogger logger, long? sequence);
    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway asked us to reconnect (op 7)")]
    private static partial void LogReconnectAsked(ILogger logger);
    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway: invalid session (resumable {Resumable}); reconnecting in {DelaySeconds} s")]
    private static partial void LogInvalidSession(ILogger logger, bool resumable, double delaySeconds);
    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway closed the connection: {Code} {Reason}")]
    private static partial void LogClosed(ILogger logger, int code, string reason);
    [LoggerMessage(Level = LogLevel.Error, Message = "Gateway: could not ask Discord where to connect (GET /gateway/bot): {Reason}; retrying with back-off")]
    private static partial void LogGatewayUrlFailed(ILogger logger, string reason);
    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway connection lost: {Reason}")]
    private static partial void LogConnectionLost(ILogger logger, string reason);
    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway: reconnecting in {DelaySeconds} s to {How} (consecutive failures {Failures})")]
    private static partial void LogReconnecting(ILogger logger, double delaySeconds, string how, int failures);
    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway: the daily Identify budget is spent; waiting {DelaySeconds} s for it to reset")]
    private static partial void LogIdentifyBudget(ILogger logger, double delaySeconds);
    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway: an INTERACTION_CREATE could not be read: {Reason}")]
    private static partial void LogBadInteraction(ILogger logger, string reason);
}
