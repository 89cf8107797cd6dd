using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PgxcBot.Discord.Interactions;

namespace PgxcBot.Discord.Http;

/// <summary>
/// The HTTP interactions endpoint on Kestrel. Every POST is checked before anything reads it as JSON: the
/// Ed25519 signature over timestamp + raw body (401 when missing or wrong: Discord itself sends forged ones
/// to test us), then the timestamp's freshness (our own replay window). PING is answered PONG inline; any
/// other interaction is answered through the REST callback by the dispatcher, and Discord gets 202.
/// </summary>
public sealed partial class InteractionsEndpoint(
    SignatureVerifier verifier,
    InteractionDispatcher dispatcher,
    TimeSpan timestampWindow,
    TimeProvider time,
    ILogger<InteractionsEndpoint> logger) : IAsyncDisposable
{
    private const int MaxBody = 1024 * 1024;
    private WebApplication? _app;
    private CancellationToken _serviceToken;

    /// <summary>Where it listens, once started (the real port when 0 was asked for).</summary>
    public Uri? Address { get; private set; }

    /// <param name="cancellationToken">The adapter's lifetime: interactions being answered stop with it.</param>
    public async Task StartAsync(IPAddress address, int port, string path, CancellationToken cancellationToken)
    {
        _serviceToken = cancellationToken;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Listen(address, port);
            k.Limits.MaxRequestBodySize = MaxBody;
        });
        builder.Services.AddSingleton(logger); // keeps Kestrel's own logging out; ours is structured below
        var app = builder.Build();
        app.Run(context => HandleAsync(context, path));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Address = new Uri(bound.TrimEnd('/') + path);
        LogListening(logger, Address.ToString());
    }

    private async Task HandleAsync(HttpContext context, string path)
    {
        var request = context.Request;
        if (!string.Equals(request.Path.Value, path, StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        var body = buffer.ToArray();
        var timestamp = request.Headers["X-Signature-Timestamp"].ToString();
        var signature = request.Headers["X-Signature-Ed25519"].ToString();

        if (!verifier.Verify(timestamp, body, signature))
        {
            LogRejected(logger, "bad or missing signature", context.Connection.RemoteIpAddress?.ToString() ?? "");
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || (time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > timestampWindow)
        {
            LogRejected(logger, "timestamp outside the freshness window", context.Connection.RemoteIpAddress?.ToString() ?? "");
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        Interaction interaction;
        try
        {
            using var document = JsonDocument.Parse(body);
            interaction = Interaction.Parse(document.RootElement);
        }
        catch (JsonException e)
        {
            LogBadBody(logger, e.Message);
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        if (interaction.Type == InteractionType.Ping)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"type\":1}", context.RequestAborted).ConfigureAwait(false);
            return;
        }
        dispatcher.Start(interaction, _serviceToken);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _app = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Discord interactions endpoint listening on {Address}")]
    private static partial void LogListening(ILogger logger, string address);
    [LoggerMessage(Level = LogLevel.Warning, Message = "Interactions endpoint: request refused (401): {Reason}, from {Remote}")]
    private static partial void LogRejected(ILogger logger, string reason, string remote);
    [LoggerMessage(Level = LogLevel.Warning, Message = "Interactions endpoint: signed body is not an interaction: {Reason}")]
    private static partial void LogBadBody(ILogger logger, string reason);
}
