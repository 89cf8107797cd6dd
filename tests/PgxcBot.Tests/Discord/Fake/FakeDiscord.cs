using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace PgxcBot.Tests.Discord.Fake;

/// <summary>One request the fake received (the body as sent, and the headers that matter).</summary>
internal sealed record RecordedRequest(string Method, string Path, JsonNode? Body, string? Authorization, string? UserAgent, int Status)
{
    /// <summary>Files sent with it (multipart), name and text.</summary>
    public IReadOnlyList<(string Name, string Text)> Files { get; init; } = [];
}

/// <summary>
/// A fake Discord on 127.0.0.1 (a free port): the REST endpoints the bot uses, answering with realistic
/// rate-limit headers (a bucket per route and major parameter, N requests per window, a real 429 when
/// exceeded) and scripted 429s (route or global); and a gateway WebSocket (<see cref="Gateway"/>).
/// Everything received is recorded for the assertions.
/// </summary>
internal sealed class FakeDiscord : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly Lock _limitLock = new();
    private readonly Dictionary<string, (int Used, DateTimeOffset ResetAt)> _buckets = new();
    private long _nextId;

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
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        FakeDiscord? fake = null;
        app.UseWebSockets();
        app.Run(context => fake!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake = new FakeDiscord(app, new Uri(address.TrimEnd('/') + "/"));
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
        if (context.Request.HasFormContentType)
        {
            // Multipart: the JSON in payload_json, files as files[n] (Discord's "Uploading Files").
            var form = await context.Request.ReadFormAsync();
            if (form.TryGetValue("payload_json", out var payload)) body = JsonNode.Parse(payload.ToString());
            foreach (var file in form.Files)
            {
                using var fileReader = new StreamReader(file.OpenReadStream(), Encoding.UTF8);
                files.Add((file.FileName, await fileReader.ReadToEndAsync()));
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
        var (status, json) = Answer(method, route, body, auth, context.Response);
        _requests.Enqueue(new RecordedRequest(method, route, body, auth.Length == 0 ? null : auth, agent, status) { Files = files });
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
            ("POST", ["channels", var channel, "messages"]) => (200, Message(NewId(), channel, body)),
            ("PATCH", ["channels", var channel, "messages", var id]) => (200, Message(id, channel, body)),
            ("POST", ["interactions", _, _, "callback"]) => (204, null),
            ("PATCH", ["webhooks", _, _, "messages", "@original"]) => (200, Message(NewId(), "", body)),
            ("POST", ["webhooks", _, _]) => (200, Message(NewId(), "", body)),
            _ => (404, new JsonObject { ["message"] = "404: Not Found", ["code"] = 0 }),
        };
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
