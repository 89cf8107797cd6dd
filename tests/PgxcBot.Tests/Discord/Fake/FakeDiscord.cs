using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Tests.Support;

namespace PgxcBot.Tests.Discord.Fake;

/// <summary>One request the fake received (the body as sent, and the headers that matter); <see cref="At"/> is a
/// Stopwatch timestamp of its arrival, <see cref="Status"/> what the fake answered (0: no answer, the connection was cut).</summary>
internal sealed record RecordedRequest(string Method, string Path, JsonNode? Body, string? Authorization, string? UserAgent, int Status)
{
    public long At { get; init; }

    /// <summary>Files sent with it (multipart), name and text.</summary>
    public IReadOnlyList<(string Name, string Text)> Files { get; init; } = [];

    /// <summary>The same files as sent: name, content type and bytes (pictures are PNG, not text).</summary>
    public IReadOnlyList<(string Name, string? ContentType, byte[] Bytes)> Uploads { get; init; } = [];
}

/// <summary>
/// A fake Discord on 127.0.0.1 (a free port): the REST endpoints the bot uses, answering with realistic
/// rate-limit headers (a bucket per route and major parameter, N requests per window, a real 429 when
/// exceeded) and scripted 429s (route or global); and a gateway WebSocket (<see cref="Gateway"/>).
/// Like Discord it keeps messages: an interaction's original message exists once its first answer was given
/// (before that, editing it is 404 Unknown Message), a channel post with <c>enforce_nonce</c> and a nonce seen
/// before returns the first message instead of a second one, and an expired interaction token is refused (401,
/// 50027). Faults a test can inject: REST down (connections cut), requests that hang until released, an error
/// after the request took effect, a 429 storm on some routes. Everything received is recorded for the assertions.
/// </summary>
internal sealed class FakeDiscord : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly Lock _limitLock = new();
    private readonly Dictionary<string, (int Used, DateTimeOffset ResetAt)> _buckets = new();
    private readonly ConcurrentDictionary<string, string> _originals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _sourceMessages = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonObject> _nonces = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _expired = new(StringComparer.Ordinal);
    private readonly PgxcBot.Core.Outbox.OutboxPulse _release = new();
    private readonly Random _storm = new(42);
    private long _nextId;

    /// <summary>Messages created in channels (by POST), by id: each one a user would see.</summary>
    public ConcurrentDictionary<string, JsonObject> ChannelMessages { get; } = new(StringComparer.Ordinal);

    /// <summary>The same messages in the order Discord created them (a retried post Discord deduplicated by its nonce
    /// answers 200 again, but creates nothing: count messages here, not 200 answers).</summary>
    public IReadOnlyList<JsonObject> Created => _created.ToArray();
    private readonly ConcurrentQueue<JsonObject> _created = new();

    /// <summary>While true, every REST request's connection is cut without an answer (Discord unreachable: DNS, network).</summary>
    public bool Down
    {
        get => Volatile.Read(ref _down);
        set => Volatile.Write(ref _down, value);
    }
    private bool _down;

    /// <summary>Requests whose path contains the key hang (no answer) until <see cref="ReleaseHangs"/>; each entry hangs that many requests.</summary>
    public ConcurrentQueue<string> Hangs { get; } = new();

    /// <summary>How many requests are hanging now.</summary>
    public int Hanging => Volatile.Read(ref _hanging);
    private int _hanging;

    /// <summary>Requests whose path contains the key take effect, then their answer is lost: none comes until the
    /// client gives up (its timeout), each entry one request. While withheld the request counts in <see cref="Hanging"/>
    /// (and <see cref="ReleaseHangs"/> does not answer it). Recorded with status 0, as the client saw it.</summary>
    public ConcurrentQueue<string> LoseAnswers { get; } = new();

    /// <summary>Requests whose path contains the key take effect, then get this status (a 5xx after Discord created the message).</summary>
    public ConcurrentQueue<(string PathContains, int Status)> FailAfterEffect { get; } = new();

    /// <summary>A 429 storm: requests whose path contains <c>PathContains</c> get a 429 with <c>RetryAfter</c> seconds with this probability.</summary>
    public (string PathContains, double Probability, double RetryAfter)? Storm { get; set; }

    /// <summary>The message a button click's interaction sits on (so that its @original is that message).</summary>
    public void RegisterSourceMessage(string token, string messageId) => _sourceMessages[token] = messageId;

    /// <summary>From now on the interaction token is refused (its 15 minutes are over).</summary>
    public void ExpireToken(string token) => _expired[token] = 0;

    /// <summary>Answers every hanging request (with what it would have got).</summary>
    public void ReleaseHangs() => _release.Fire();

    public Uri ApiBase { get; }
    public Uri GatewayUrl { get; }
    public FakeGateway Gateway { get; }

    /// <summary>Requests allowed per bucket window (Discord typically allows 5 per few seconds on message routes).</summary>
    public int BucketLimit { get; set; } = 1000;
    public TimeSpan BucketWindow { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Scripted answers taken before the normal handling: (status, retry_after, global) for the next requests whose path contains the key.</summary>
    public ConcurrentQueue<(string PathContains, int Status, double RetryAfter, bool Global)> Script { get; } = new();
    /// <summary>The bot token the fake accepts; anything else on an authenticated route gets 401.</summary>
    public string Token { get; set; } = "fake-token-0123456789";
    public int IdentifyRemaining { get; set; } = 1000;

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    private FakeDiscord(WebApplication app, Uri baseUri)
    {
        _app = app;
        ApiBase = new Uri(baseUri, "api/v10/");
        GatewayUrl = new Uri($"ws://{baseUri.Authority}/gateway");
        Gateway = new FakeGateway(new Uri($"ws://{baseUri.Authority}/resume"), this);
    }

    public static async Task<FakeDiscord> StartAsync()
    {
        FakeDiscord? fake = null;
        var (app, address) = await LoopbackWebApp.StartAsync(app =>
        {
            app.UseWebSockets();
            app.Run(context => fake!.HandleAsync(context));
        }, services => services.AddRoutingCore());
        fake = new FakeDiscord(app, address);
        return fake;
    }

    /// <summary>A snowflake minted from the current time, as Discord's are.</summary>
    public string NewId() =>
        ((((ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1420070400000UL) << 22) | (ulong)(Interlocked.Increment(ref _nextId) & 0x3FFFFF)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (context.WebSockets.IsWebSocketRequest && (path == "/gateway/" || path == "/resume/" || path == "/gateway" || path == "/resume"))
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await Gateway.RunConnectionAsync(socket, resumeUrl: path.StartsWith("/resume", StringComparison.Ordinal), context.RequestAborted);
            return;
        }
        if (!path.StartsWith("/api/v10/", StringComparison.Ordinal))
        {
            context.Response.StatusCode = 404;
            return;
        }
        var route = path["/api/v10/".Length..];
        JsonNode? body = null;
        var files = new List<(string Name, string Text)>();
        var uploads = new List<(string Name, string? ContentType, byte[] Bytes)>();
        if (context.Request.HasFormContentType)
        {
            // Multipart: the JSON in payload_json, files as files[n] (Discord's "Uploading Files").
            var form = await context.Request.ReadFormAsync();
            if (form.TryGetValue("payload_json", out var payload)) body = JsonNode.Parse(payload.ToString());
            foreach (var file in form.Files)
            {
                // The bytes as sent (a picture is PNG); the text form serves the tests that read an attached plan.
                using var buffer = new MemoryStream();
                await file.CopyToAsync(buffer);
                uploads.Add((file.FileName, file.ContentType, buffer.ToArray()));
                files.Add((file.FileName, Encoding.UTF8.GetString(buffer.ToArray())));
            }
        }
        else
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var text = await reader.ReadToEndAsync();
            if (text.Length > 0) body = JsonNode.Parse(text);
        }
        var method = context.Request.Method;
        var auth = context.Request.Headers.Authorization.ToString();
        var agent = context.Request.Headers.UserAgent.ToString();
        var at = System.Diagnostics.Stopwatch.GetTimestamp();
        if (Down)
        {
            _requests.Enqueue(new RecordedRequest(method, route, body, auth.Length == 0 ? null : auth, agent, 0) { At = at, Files = files, Uploads = uploads });
            context.Abort();
            return;
        }
        if (Hangs.TryPeek(out var hang) && route.Contains(hang, StringComparison.Ordinal) && Hangs.TryDequeue(out _))
        {
            var released = _release.WaitAsync(context.RequestAborted);
            Interlocked.Increment(ref _hanging);
            try
            {
                await released;
            }
            catch (OperationCanceledException)
            {
                _requests.Enqueue(new RecordedRequest(method, route, body, auth.Length == 0 ? null : auth, agent, 0) { At = at, Files = files, Uploads = uploads });
                return; // the client gave up
            }
            finally
            {
                Interlocked.Decrement(ref _hanging);
            }
        }
        var (status, json) = Answer(method, route, body, auth, context.Response);
        if (status is >= 200 and < 300 && LoseAnswers.TryPeek(out var lose) && route.Contains(lose, StringComparison.Ordinal) && LoseAnswers.TryDequeue(out _))
        {
            // Applied; the answer never reaches the client (a timeout on its side, a connection lost on the way back).
            Interlocked.Increment(ref _hanging);
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                Interlocked.Decrement(ref _hanging);
            }
            _requests.Enqueue(new RecordedRequest(method, route, body, auth.Length == 0 ? null : auth, agent, 0) { At = at, Files = files });
            return;
        }
        if (status is >= 200 and < 300 && FailAfterEffect.TryPeek(out var fail) && route.Contains(fail.PathContains, StringComparison.Ordinal) && FailAfterEffect.TryDequeue(out _))
            (status, json) = (fail.Status, new JsonObject { ["message"] = "scripted failure after the request took effect", ["code"] = 0 });
        _requests.Enqueue(new RecordedRequest(method, route, body, auth.Length == 0 ? null : auth, agent, status) { At = at, Files = files, Uploads = uploads });
        context.Response.StatusCode = status;
        if (json is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(json.ToJsonString());
        }
    }

    private (int, JsonNode?) Answer(string method, string route, JsonNode? body, string auth, HttpResponse response)
    {
        var segments = route.Split('/');
        var tokenRoute = segments[0] is "webhooks" or "interactions";
        if (!tokenRoute && auth != "Bot " + Token)
            return (401, new JsonObject { ["message"] = "401: Unauthorized", ["code"] = 0 });

        if (Script.TryPeek(out var next) && route.Contains(next.PathContains, StringComparison.Ordinal) && Script.TryDequeue(out _))
        {
            if (next.Status == 429)
            {
                response.Headers["Retry-After"] = Math.Ceiling(next.RetryAfter).ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (next.Global) response.Headers["X-RateLimit-Global"] = "true";
                response.Headers["X-RateLimit-Scope"] = next.Global ? "global" : "user";
                return (429, new JsonObject { ["message"] = "You are being rate limited.", ["retry_after"] = next.RetryAfter, ["global"] = next.Global });
            }
            return (next.Status, new JsonObject { ["message"] = "scripted", ["code"] = next.Status == 404 ? 10062 : 0 });
        }
        if (Storm is { } storm && route.Contains(storm.PathContains, StringComparison.Ordinal))
        {
            bool hit;
            lock (_storm) hit = _storm.NextDouble() < storm.Probability;
            if (hit)
            {
                response.Headers["Retry-After"] = Math.Ceiling(storm.RetryAfter).ToString(System.Globalization.CultureInfo.InvariantCulture);
                response.Headers["X-RateLimit-Scope"] = "user";
                return (429, new JsonObject { ["message"] = "You are being rate limited.", ["retry_after"] = storm.RetryAfter, ["global"] = false });
            }
        }
        if (tokenRoute && segments.Length > 2 && _expired.ContainsKey(segments[2]))
            return (401, new JsonObject { ["message"] = "Invalid Webhook Token", ["code"] = 50027 });

        // A realistic bucket: per route kind and major parameter, BucketLimit per window.
        var kind = tokenRoute ? segments[0] : segments[0] + (segments.Length > 2 ? "/" + segments[2] : "");
        var major = segments.Length > 1 ? segments[1] + (tokenRoute && segments.Length > 2 ? "/" + segments[2] : "") : "";
        var hash = "bucket-" + kind.Replace('/', '-');
        lock (_limitLock)
        {
            var now = DateTimeOffset.UtcNow;
            var key = hash + "|" + major;
            (int Used, DateTimeOffset ResetAt) state = _buckets.TryGetValue(key, out var known) ? known : (0, now + BucketWindow);
            if (now >= state.ResetAt) state = (0, now + BucketWindow);
            var resetAfter = (state.ResetAt - now).TotalSeconds;
            response.Headers["X-RateLimit-Bucket"] = hash;
            response.Headers["X-RateLimit-Limit"] = BucketLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers["X-RateLimit-Reset-After"] = resetAfter.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);
            if (state.Used >= BucketLimit)
            {
                response.Headers["X-RateLimit-Remaining"] = "0";
                response.Headers["X-RateLimit-Scope"] = "user";
                _buckets[key] = state;
                return (429, new JsonObject { ["message"] = "You are being rate limited.", ["retry_after"] = resetAfter, ["global"] = false });
            }
            state.Used++;
            _buckets[key] = state;
            response.Headers["X-RateLimit-Remaining"] = (BucketLimit - state.Used).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return (method, segments) switch
        {
            ("GET", ["gateway", "bot"]) => (200, new JsonObject
            {
                ["url"] = GatewayUrl.ToString(),
                ["shards"] = 1,
                ["session_start_limit"] = new JsonObject { ["total"] = 1000, ["remaining"] = IdentifyRemaining, ["reset_after"] = 14400000, ["max_concurrency"] = 1 },
            }),
            ("PUT", ["applications", _, "guilds", _, "commands"]) => (200, body?.DeepClone()),
            ("POST", ["channels", var channel, "messages"]) => Post(channel, body),
            ("PATCH", ["channels", var channel, "messages", var id]) => (200, Edit(id, channel, body)),
            ("POST", ["interactions", _, var token, "callback"]) => Callback(token, body),
            ("PATCH", ["webhooks", _, var token, "messages", "@original"]) => _originals.TryGetValue(token, out var original)
                ? (200, Message(original, InteractionInjector.ChannelId, body))
                : (404, new JsonObject { ["message"] = "Unknown Message", ["code"] = 10008 }),
            ("POST", ["webhooks", _, _]) => (200, Message(NewId(), "", body)),
            _ => (404, new JsonObject { ["message"] = "404: Not Found", ["code"] = 0 }),
        };
    }

    /// <summary>A channel post; with enforce_nonce and a nonce seen before, the first message again (Discord's dedup).</summary>
    private (int, JsonNode?) Post(string channel, JsonNode? body)
    {
        var nonce = body?["nonce"]?.GetValue<string>();
        var enforce = body?["enforce_nonce"]?.GetValue<bool>() == true;
        if (enforce && nonce is not null && _nonces.TryGetValue(channel + "/" + nonce, out var first)) return (200, first.DeepClone());
        var message = Message(NewId(), channel, body);
        ChannelMessages[message["id"]!.GetValue<string>()] = message;
        _created.Enqueue(message);
        if (enforce && nonce is not null) _nonces[channel + "/" + nonce] = message;
        return (200, message.DeepClone());
    }

    /// <summary>An edit with the bot token: a channel message the fake created takes the edited fields, as on Discord.</summary>
    private JsonObject Edit(string id, string channel, JsonNode? body)
    {
        if (ChannelMessages.TryGetValue(id, out var message) && body is JsonObject fields)
            lock (message)
                foreach (var (name, value) in fields)
                    message[name] = value?.DeepClone();
        return Message(id, channel, body);
    }

    /// <summary>The first answer: a new message (4, 5) or the clicked one (6, 7) becomes the interaction's original.</summary>
    private (int, JsonNode?) Callback(string token, JsonNode? body)
    {
        var type = body?["type"]?.GetValue<int>() ?? 0;
        if (_originals.ContainsKey(token)) return (400, new JsonObject { ["message"] = "Interaction has already been acknowledged.", ["code"] = 40060 });
        if (type is 4 or 5) _originals[token] = NewId();
        else if (type is 6 or 7) _originals[token] = _sourceMessages.GetValueOrDefault(token) ?? NewId();
        return (204, null);
    }

    private static JsonObject Message(string id, string channel, JsonNode? body)
    {
        var message = body?.DeepClone() as JsonObject ?? new JsonObject();
        message["id"] = id;
        message["channel_id"] = channel;
        return message;
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
