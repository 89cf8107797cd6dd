using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Topology;
using PgxcBot.Discord.Gateway;
using PgxcBot.Discord.Http;
using PgxcBot.Discord.Interactions;
using PgxcBot.Discord.Rest;

namespace PgxcBot.Discord;

/// <summary>
/// Runs the Discord adapter inside the host: optionally registers the commands, then either keeps the
/// gateway connection or serves the HTTP interactions endpoint, until the host stops. A fatal refusal (token
/// rejected, close code 4004, 4010-4014) is logged with its cause, recorded in <see cref="DiscordAdapterStatus"/>
/// and stops the host: a bot that cannot reach Discord must not look alive.
/// </summary>
public sealed partial class DiscordAdapterService(
    ClusterTopology topology,
    IServiceProvider services,
    DiscordAdapterStatus status,
    IHostApplicationLifetime lifetime,
    ILogger<DiscordAdapterService> logger) : BackgroundService
{
    /// <summary>The HTTP endpoint once listening (http mode), for tests and the log.</summary>
    public InteractionsEndpoint? Endpoint { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (topology.Discord is not { } settings)
        {
            LogNotConfigured(logger);
            return;
        }
        var dispatcher = Get<InteractionDispatcher>();
        try
        {
            if (settings.RegisterCommandsAtStart)
                await Get<DiscordCommandRegistrar>().RegisterAsync(stoppingToken).ConfigureAwait(false);
            if (settings.Mode == DiscordMode.Gateway)
            {
                await Get<GatewayClient>().RunAsync(stoppingToken).ConfigureAwait(false);
            }
            else
            {
                await using var endpoint = Get<InteractionsEndpoint>();
                await endpoint.StartAsync(IPAddress.Parse(settings.ListenAddress), settings.ListenPort, settings.Path, stoppingToken).ConfigureAwait(false);
                Endpoint = endpoint;
                await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is GatewayFatalException or DiscordUnauthorizedException or Core.Topology.SecretUnavailableException or FormatException)
        {
            LogFatal(logger, e.Message);
            status.Fail(e.Message);
            lifetime.StopApplication();
        }
        finally
        {
            await dispatcher.DrainAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
    }

    private T Get<T>() where T : notnull => (T)(services.GetService(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not registered; call AddPgxcBotDiscord"));

    [LoggerMessage(Level = LogLevel.Information, Message = "No discord section in the configuration: the Discord adapter stays off")]
    private static partial void LogNotConfigured(ILogger logger);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Discord adapter stopped: {Reason}")]
    private static partial void LogFatal(ILogger logger, string reason);
}
