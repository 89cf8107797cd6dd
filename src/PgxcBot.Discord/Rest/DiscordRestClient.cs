using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace PgxcBot.Discord.Rest;

/// <summary>
/// Sends requests to Discord's REST API: bot authorisation (never on interaction-token routes), a proper
/// User-Agent, JSON; rate limits learnt per bucket from the headers; 429 waited out and retried (global and
/// per route); 5xx retried with back-off; no retry after 401 (and no authenticated request at all after
/// one), nor after 403 or 404; invalid requests budgeted. Requests on the same channel or the same
/// interaction run strictly in submission order. The token never appears in a log line or an exception.
/// </summary>
public sealed partial class DiscordRestClient
{
    private readonly HttpClient _http;
    private readonly DiscordRestOptions _options;
    private readonly Func<string> _token;
    private readonly TimeProvider _time;
    private readonly ILogger<DiscordRestClient> _logger;
    private readonly RateLimitBuckets _buckets;
    private readonly InvalidRequestBudget _invalid;
    private readonly OrderedLanes _lanes = new();
    private volatile string? _unauthorized;

    /// <param name="token">Reads the bot token when first needed (from the secret reference).</param>
    public DiscordRestClient(HttpClient http, DiscordRestOptions options, Func<string> token, TimeProvider time, ILogger<DiscordRestClient> logger)
    {
        _http = http;
        _options = options;
        _token = token;
        _time = time;
        _logger = logger;
        _buckets = new RateLimitBuckets(time);
        _invalid = new InvalidRequestBudget(options.InvalidRequestLimit, options.InvalidRequestWindow, time);
    }

    /// <summary>Sends one request; returns the answer's JSON, or null for 204.</summary>
    /// <param name="path">Relative to the API base, e.g. <c>channels/123/messages</c>.</param>
    /// <exception cref="DiscordApiException">Discord refused the request for a reason retrying will not fix.</exception>
    public Task<JsonElement?> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken) =>
        SendAsync(method, path, body, null, cancellationToken);

    /// <summary>Sends one request with files: multipart/form-data with the JSON as <c>payload_json</c> and each
    /// file as <c>files[n]</c> (Discord's "Uploading Files"); plain JSON when there are none.</summary>
    public Task<JsonElement?> SendAsync(HttpMethod method, string path, JsonNode? body, IReadOnlyList<Rendering.DiscordAttachment>? files,
        CancellationToken cancellationToken)
    {
        var route = DiscordRoute.Of(method, path);
        var json = body?.ToJsonString();
        return _lanes.RunAsync(route.Lane, () => SendInOrderAsync(route, json, files, cancellationToken));
    }

    private static HttpContent Content(string json, IReadOnlyList<Rendering.DiscordAttachment>? files)
    {
        if (files is not { Count: > 0 }) return new StringContent(json, Encoding.UTF8, "application/json");
        var form = new MultipartFormDataContent();
        form.Add(new StringContent(json, Encoding.UTF8, "application/json"), "payload_json");
        for (var i = 0; i < files.Count; i++)
        {
            var file = new ByteArrayContent(files[i].Content);
            file.Headers.ContentType = MediaTypeHeaderValue.Parse(files[i].ContentType);
            form.Add(file, $"files[{i}]", files[i].FileName);
        }
        return form;
    }

    private async Task<JsonElement?> SendInOrderAsync(DiscordRoute route, string? json, IReadOnlyList<Rendering.DiscordAttachment>? files,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (route.Authenticated && _unauthorized is { } why) throw new DiscordUnauthorizedException(why);
            await WaitForAsync(() => _invalid.WaitBeforeNext(), route, "invalid-request budget", cancellationToken).ConfigureAwait(false);
            await WaitForAsync(() => _buckets.Reserve(route), route, "rate limit", cancellationToken).ConfigureAwait(false);

            using var request = new HttpRequestMessage(route.Method, new Uri(_options.ApiBase, route.Path));
            request.Headers.UserAgent.ParseAdd($"DiscordBot ({_options.UserAgentUrl}, {_options.UserAgentVersion})");
            if (route.Authenticated) request.Headers.Authorization = new AuthenticationHeaderValue("Bot", _token());
            if (json is not null) request.Content = Content(json, files);

            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            _buckets.Learn(route, response.Headers);
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                LogSent(_logger, route.Method.Method, route.SafePath, status);
                if (text.Length == 0) return null;
                using var document = JsonDocument.Parse(text);
                return document.RootElement.Clone();
            }

            var error = ParseError(text);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var (retryAfter, global, scope) = RetryAfter(response, error.Body);
                if (scope != "shared") _invalid.Record();
                _buckets.Limited(route, retryAfter, global);
                LogLimited(_logger, route.Method.Method, route.SafePath, retryAfter.TotalSeconds, global, scope ?? "", attempt);
                if (attempt >= _options.MaxAttempts)
                    throw new DiscordApiException(response.StatusCode, null, $"Discord kept rate-limiting {route.Method} {route.SafePath} after {attempt} attempts; giving up.");
                continue;
            }
            if (status == 401)
            {
                _invalid.Record();
                var message = route.Authenticated
                    ? "Discord refused the bot token (401 Unauthorized). Check discord.token: it must be the Bot token from the Developer Portal's Bot page (reset it there if it leaked). No further requests are sent with it."
                    : $"Discord refused {route.Method} {route.SafePath} (401 Unauthorized).";
                if (route.Authenticated) _unauthorized = message;
                LogRefused(_logger, route.Method.Method, route.SafePath, status, error.Code, error.Message);
                throw route.Authenticated ? new DiscordUnauthorizedException(message) : new DiscordApiException(response.StatusCode, error.Code, message);
            }
            if (status >= 500 && attempt < Math.Min(_options.MaxAttempts, 4))
            {
                var backOff = TimeSpan.FromMilliseconds(250 * (1 << attempt));
                LogServerError(_logger, route.Method.Method, route.SafePath, status, backOff.TotalSeconds);
                await Task.Delay(backOff, _time, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (status == 403) _invalid.Record();
            LogRefused(_logger, route.Method.Method, route.SafePath, status, error.Code, error.Message);
            throw new DiscordApiException(response.StatusCode, error.Code,
                $"Discord refused {route.Method} {route.SafePath}: {status} {error.Message}{(error.Code is { } c ? $" (code {c})" : "")}{Hint(error.Code)}");
        }
    }

    private async Task WaitForAsync(Func<TimeSpan> wait, DiscordRoute route, string why, CancellationToken cancellationToken)
    {
        for (var delay = wait(); delay > TimeSpan.Zero; delay = wait())
        {
            LogWaiting(_logger, route.Method.Method, route.SafePath, why, delay.TotalSeconds);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static (TimeSpan RetryAfter, bool Global, string? Scope) RetryAfter(HttpResponseMessage response, JsonElement? body)
    {
        double seconds = 1;
        var global = false;
        if (body is { ValueKind: JsonValueKind.Object } b)
        {
            if (b.TryGetProperty("retry_after", out var r) && r.TryGetDouble(out var fromBody)) seconds = fromBody;
            if (b.TryGetProperty("global", out var g) && g.ValueKind == JsonValueKind.True) global = true;
        }
        else if (RateLimitBuckets.Header(response.Headers, "Retry-After") is { } header
                 && double.TryParse(header, NumberStyles.Float, CultureInfo.InvariantCulture, out var fromHeader))
        {
            seconds = fromHeader;
        }
        if (string.Equals(RateLimitBuckets.Header(response.Headers, "X-RateLimit-Global"), "true", StringComparison.OrdinalIgnoreCase)) global = true;
        return (TimeSpan.FromSeconds(Math.Clamp(seconds, 0, 3600)), global, RateLimitBuckets.Header(response.Headers, "X-RateLimit-Scope"));
    }

    private static (int? Code, string Message, JsonElement? Body) ParseError(string text)
    {
        if (text.Length == 0) return (null, "(no body)", null);
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement.Clone();
            if (root.ValueKind != JsonValueKind.Object) return (null, "(unexpected body)", root);
            int? code = root.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : null;
            var message = root.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
            if (root.TryGetProperty("errors", out var errors)) message += " " + Truncate(errors.GetRawText(), 500);
            return (code, message, root);
        }
        catch (JsonException)
        {
            return (null, Truncate(text, 200), null);
        }
    }

    private static string Hint(int? code) => code switch
    {
        DiscordApiException.UnknownInteraction => "; the interaction expired (answered after 3 s, or its 15 minutes are over)",
        DiscordApiException.AlreadyAcknowledged => "; the interaction was already answered",
        DiscordApiException.MissingPermissions => "; give the bot the permissions the README lists in that channel",
        _ => "",
    };

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "...";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Discord {Method} {Path}: {Status}")]
    private static partial void LogSent(ILogger logger, string method, string path, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discord rate-limited {Method} {Path}: retry after {RetryAfterSeconds} s (global {Global}, scope {Scope}, attempt {Attempt})")]
    private static partial void LogLimited(ILogger logger, string method, string path, double retryAfterSeconds, bool global, string scope, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discord refused {Method} {Path}: {Status} code {Code} {Error}")]
    private static partial void LogRefused(ILogger logger, string method, string path, int status, int? code, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discord {Method} {Path}: server error {Status}; retrying in {DelaySeconds} s")]
    private static partial void LogServerError(ILogger logger, string method, string path, int status, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Discord {Method} {Path} waits {DelaySeconds} s for the {Reason}")]
    private static partial void LogWaiting(ILogger logger, string method, string path, string reason, double delaySeconds);
}
