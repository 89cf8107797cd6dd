using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PgxcBot.Core.Operations;
using PgxcBot.Secrets;
using PgxcBot.Hosting;
using PgxcBot.Replicas;
using PgxcBot.Store;

namespace PgxcBot.Cli;

/// <summary>Loads the config, builds and starts the Generic Host for one CLI command, runs it, stops.</summary>
internal static class CliHost
{
    /// <param name="bot">What the bot is built for (<see cref="BotComposition.AddPgxcBot"/>).</param>
    /// <param name="overrides">Applied after the composition root: tests replace fakes here.</param>
    /// <param name="withoutHost">Asked once the configuration is valid, before the bot is built: a result ends the run
    /// there (status answered by the serving bot); null goes on to build the bot and run <paramref name="command"/>.</param>
    public static async Task<int> RunAsync(
        BotCommand bot,
        CliArguments arguments,
        CliIo io,
        Action<IServiceCollection>? overrides,
        Func<IServiceProvider, CancellationToken, Task<int>> command,
        CancellationToken cancellationToken,
        Func<Core.Topology.ClusterTopology, CancellationToken, Task<int?>>? withoutHost = null)
    {
        if (arguments.ConfigPath is null)
        {
            await io.Error.WriteLineAsync($"error: {arguments.Command} needs --config FILE (see config/pgxcbot.example.json).");
            return ExitCodes.BadConfig;
        }
        // The file and what it refers to on this machine: an unset secret variable is a config error now, not a
        // "datanode1 is down" later.
        var config = await ConfigFile.LoadAsync(arguments.ConfigPath, cancellationToken, io.Variables);
        if (config.Report.HasErrors)
        {
            config.WriteIssues(io.Error);
            await io.Error.WriteLineAsync($"The configuration {config.Path} has {config.Report.Errors.Count} error(s); fix them (pgxcbot check-config --config {arguments.ConfigPath}).");
            return ExitCodes.BadConfig;
        }
        foreach (var warning in config.Report.Warnings)
            await io.Error.WriteLineAsync($"warning: {warning}");
        if (withoutHost is not null && await withoutHost(config.Report.Topology!, cancellationToken) is { } answered) return answered;

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ApplicationName = "pgxcbot",
            ContentRootPath = config.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TextWriterLoggerProvider(io.Error, arguments.Verbose ? LogLevel.Debug : LogLevel.Warning));
        // Under systemd (Type=notify in deploy/pgxcbot.service) the host reports READY and STOPPING (AddSystemd registers
        // the notifier there, nothing elsewhere). The lifetime is the CLI's own: signals are CliSignals', never the host's.
        builder.Services.AddSystemd();
        builder.Services.AddSingleton<IHostLifetime, CliHostLifetime>();
        var shared = config.Report.Topology!.SharedStore;
        var secrets = new SecretResolver(io.Variables);
        BotStore store;
        try
        {
            if (shared is null)
            {
                store = new BotStore.Sqlite(await SqliteStore.OpenAsync(config.Report.Topology!.StorePath, null, cancellationToken));
            }
            else
            {
                // The connection string is a secret by reference, like every other; it never reaches a log line.
                var connectionString = secrets.Resolve(shared.ConnectionString)!;
                store = new BotStore.Shared(await Store.Postgres.PostgresStore.OpenAsync(connectionString, fence: null, logger: null, cancellationToken),
                    shared.ReplicaId ?? Environment.MachineName, shared.Lease);
            }
        }
        catch (StoreOpenException e)
        {
            // The message names the file (or database) and the fix; one that can never work is a configuration error.
            await io.Error.WriteLineAsync($"error: {e.Message}");
            return e.CanNeverWork ? ExitCodes.BadConfig : ExitCodes.Unexpected;
        }
        catch (Core.Topology.SecretUnavailableException e)
        {
            await io.Error.WriteLineAsync($"error: store.connectionString: {e.Message}");
            return ExitCodes.BadConfig;
        }
        var sharedStore = (store as BotStore.Shared)?.Store;
        // What this command's bot is made of: BotComposition says it, per command. The terminal is a chat target like
        // any other: progress lines (and, with the console's monitor, alerts) reach it through the outbox.
        builder.Services.AddPgxcBot(bot, new BotSetup
        {
            Options = config.Loaded.Options,
            BaseDirectory = config.BaseDirectory,
            Secrets = secrets,
            Store = store,
            Terminal = io.Out,
            ConsoleMonitor = arguments.Monitor ?? !io.InputRedirected,
        });
        builder.Services.AddSingleton(io);
        builder.Services.AddSingleton<StartupStatus>();
        overrides?.Invoke(builder.Services);
        // Two replicas on a shared store: the monitor, the outbox senders and the chat gateway run only on the active one.
        if (sharedStore is not null) builder.Services.RunOnlyWhileActive();

        var host = builder.Build();
        try
        {
            try
            {
                // Not the command's token: a signal while the host starts would end its background services before
                // its StopAsync, which it logs as failures (see CliHostLifetime). A signal is seen right after the start.
                await host.StartAsync(CancellationToken.None);
            }
            catch (OptionsValidationException e)
            {
                foreach (var failure in e.Failures) await io.Error.WriteLineAsync($"error: {failure}");
                return ExitCodes.BadConfig;
            }
            try
            {
                // Ctrl+C cancels the command (CliSignals), and the host is stopped below; a fatal adapter error stops the
                // host itself (ApplicationStopping), which the command also sees as cancellation.
                var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
                try
                {
                    // An operation that was running when the bot last stopped is reported before anything else. With a
                    // shared store the takeover does it (TakeoverService), each time this replica becomes active.
                    if (sharedStore is null)
                    {
                        await host.Services.GetRequiredService<OperationService>().RecoverAsync(linked.Token);
                        // What the reconciliation saw spares a one-shot status a second observation a moment later.
                        host.Services.GetRequiredService<StartupStatus>().Keep(
                            await host.Services.GetRequiredService<StartupReconciler>().ReconcileAsync(linked.Token));
                    }
                    return await command(host.Services, linked.Token);
                }
                catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    // A fatal adapter error stops the host too, possibly before the command got going: that is a failure to name.
                    if (host.Services.GetService<PgxcBot.Discord.DiscordAdapterStatus>()?.Failure is { } failure)
                    {
                        await io.Error.WriteLineAsync($"error: {failure}");
                        return ExitCodes.ChatRefused;
                    }
                    // The host was told to stop (its own signal handling) in the middle: a clean stop, not a crash.
                    await io.Error.WriteLineAsync("interrupted; stopped.");
                    return ExitCodes.Interrupted;
                }
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }
        }
        finally
        {
            // Async disposal: the connection pools of the observer and executor close asynchronously.
            if (host is IAsyncDisposable asyncHost) await asyncHost.DisposeAsync();
            else host.Dispose();
            if (sharedStore is not null) await sharedStore.DisposeAsync();
        }
    }
}
