using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Topology;
using PgxcBot.Discord.Gateway;
using PgxcBot.Discord.Http;
using PgxcBot.Discord.Interactions;
using PgxcBot.Discord.Rest;

namespace PgxcBot.Discord;

/// <summary>Back-off of the adapter's restarts; tests shorten it.</summary>
public sealed class DiscordAdapterOptions
{
    /// <summary>After the n-th consecutive failure the adapter restarts after base × 2^(n-1), at most <see cref="RestartMax"/>.</summary>
    public TimeSpan RestartBase { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan RestartMax { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Runs the Discord adapter inside the host: optionally registers the commands, then either keeps the gateway
/// connection or serves the HTTP interactions endpoint, until the host stops. Discord is never in the bot's
/// critical path: any failure of the adapter (REST down, gateway closed, DNS, a bug) is logged as an error and the
/// adapter restarts with back-off, while the monitor and the runbooks go on. Only a fatal refusal (token rejected,
/// close code 4004, 4010-4014, a secret that cannot be read) stops it for good: it is logged with its cause, recorded
/// in <see cref="DiscordAdapterStatus"/>, and the host stops, so that <c>pgxcbot serve</c> exits non-zero naming it and
/// a supervisor notices. The outbox channel reports a rejected token the same way.
/// </summary>
public sealed partial class DiscordAdapterService(
    ClusterTopology topology,
    IServiceProvider services,
    DiscordAdapterStatus status,
    DiscordAdapterOptions options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<DiscordAdapterService> logger) : BackgroundService
{
    /// <summary>The HTTP endpoint once listening (http mode), for tests and the log.</summary>
    public InteractionsEndpoint? Endpoint { get; private set; }

    /// <summary>
    /// Whether the adapter also runs on a standby replica (two replicas on a shared store): in HTTP-interactions mode,
    /// where a load balancer may hand an interaction to either replica and both must answer (PING included; the
    /// standby's dispatcher refuses actions). Not in gateway mode: one gateway session, held by the active replica.
    /// </summary>
    public bool ServesStandby => topology.Discord?.Mode == DiscordMode.Http;

    /// <summary>How often the adapter was restarted after a failure.</summary>
    public int Restarts => Volatile.Read(ref _restarts);
    private int _restarts;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (topology.Discord is not { } settings)
        {
            LogNotConfigured(logger);
            return;
        }
        var dispatcher = Get<InteractionDispatcher>();
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        // A refusal for good reported elsewhere (the outbox channel's rejected token) ends the adapter too.
        using var onFailure = new CancellationTokenSource();
        _ = status.Failed.WaitAsync(onFailure.Token).ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully) failed.Cancel();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            var failures = 0;
            var registered = !settings.RegisterCommandsAtStart;
            while (!failed.IsCancellationRequested)
            {
                try
                {
                    if (!registered)
                    {
                        await Get<DiscordCommandRegistrar>().RegisterAsync(failed.Token).ConfigureAwait(false);
                        registered = true;
                    }
                    await RunOnceAsync(settings, failed.Token).ConfigureAwait(false);
                    failures = 0;
                }
                catch (Exception) when (stoppingToken.IsCancellationRequested)
                {
                    // Stopping: a gateway or request cut short is no failure to report or restart.
                    break;
                }
                catch (OperationCanceledException) when (failed.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e) when (IsFatal(e))
                {
                    status.Fail(e.Message);
                    break;
                }
                catch (Exception e)
                {
                    failures++;
                    Interlocked.Increment(ref _restarts);
                    var delay = TimeSpan.FromMilliseconds(Math.Min(options.RestartBase.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 16)),
                        options.RestartMax.TotalMilliseconds));
                    LogRestarting(logger, e.GetType().Name, e.Message, delay.TotalSeconds, failures, e);
                    await Task.Delay(delay, time, failed.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException) when (failed.IsCancellationRequested)
        {
        }
        finally
        {
            await onFailure.CancelAsync().ConfigureAwait(false);
            if (status.Failure is { } failure)
            {
                LogFatal(logger, failure);
                lifetime.StopApplication();
            }
            await dispatcher.DrainAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
    }

    /// <summary>One run of the adapter: returns only when <paramref name="cancellationToken"/> fires, else throws.</summary>
    private async Task RunOnceAsync(DiscordSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Mode == DiscordMode.Gateway)
        {
            await Get<GatewayClient>().RunAsync(cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException("the gateway client stopped by itself");
        }
        await using var endpoint = Get<InteractionsEndpoint>();
        await endpoint.StartAsync(IPAddress.Parse(settings.ListenAddress), settings.ListenPort, settings.Path, cancellationToken).ConfigureAwait(false);
        Endpoint = endpoint;
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsFatal(Exception e) =>
        e is GatewayFatalException or DiscordUnauthorizedException or SecretUnavailableException or FormatException;

    private T Get<T>() where T : notnull => (T)(services.GetService(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not registered; call AddPgxcBotDiscord"));

    [LoggerMessage(Level = LogLevel.Information, Message = "No discord section in the configuration: the Discord adapter stays off")]
    private static partial void LogNotConfigured(ILogger logger);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Discord adapter stopped: {Reason}")]
    private static partial void LogFatal(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Discord adapter failed ({Type}: {Reason}); restarting it in {DelaySeconds} s (consecutive failures {Failures}). The monitor and the runbooks go on; chat messages wait in the outbox.")]
    private static partial void LogRestarting(ILogger logger, string type, string reason, double delaySeconds, int failures, Exception exception);
}
