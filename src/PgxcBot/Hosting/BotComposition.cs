using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Topology;
using PgxcBot.Discord;
using PgxcBot.Discord.Outbox;
using PgxcBot.Gtm;
using PgxcBot.Monitoring;
using PgxcBot.Outbox;
using PgxcBot.Postgres;
using PgxcBot.Replicas;
using PgxcBot.Ssh;
using PgxcBot.Store;

namespace PgxcBot.Hosting;

/// <summary>Where the monitor's alerts go; decided once per command by <see cref="BotComposition.AlertTargetOf"/>.</summary>
public enum AlertTarget
{
    /// <summary>Nowhere: the command runs no monitor.</summary>
    None,

    /// <summary>The terminal of <c>pgxcbot console</c> (an interactive lab sees its alerts as they happen).</summary>
    Terminal,

    /// <summary>The chat: Discord when the config has a discord section, else the log.</summary>
    Chat,

    /// <summary>A test's channel (<see cref="BotSetup.AlertChannel"/>).</summary>
    TestChannel,
}

/// <summary>
/// The composition root: what each command's bot is made of. Every process (the CLI host, the test harnesses, the
/// benchmarks) builds the bot here; a test then replaces only its fakes.
/// </summary>
public static class BotComposition
{
    /// <summary>
    /// Registers the bot for <paramref name="command"/>:
    /// <list type="table">
    /// <item><term>every command</term><description>core (domain, status, chat commands, operations), PostgreSQL, SSH,
    /// GTM, the store (SQLite, or the shared PostgreSQL store with this replica's lease), the terminal (when
    /// <see cref="BotSetup.Terminal"/>)</description></item>
    /// <item><term>serve</term><description>+ the monitor, + the Discord adapter running; alerts to the chat</description></item>
    /// <item><term>console</term><description>+ the monitor when <see cref="BotSetup.ConsoleMonitor"/>; alerts to the terminal</description></item>
    /// <item><term>register-commands</term><description>+ the Discord adapter, not running</description></item>
    /// <item><term>run, status, timeline</term><description>nothing more; no alerts</description></item>
    /// </list>
    /// Needs logging registered (the host's, or a test's).
    /// </summary>
    public static IServiceCollection AddPgxcBot(this IServiceCollection services, BotCommand command, BotSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        services.AddPgxcBotCore(setup.Options, setup.BaseDirectory, setup.Topology);
        services.AddSingleton(setup.Secrets);
        services.AddPgxcBotPostgres();
        services.AddPgxcBotSsh();
        services.AddPgxcBotGtm();
        AddStore(services, command, setup);
        if (setup.Terminal is { } terminal) services.AddPgxcBotConsoleOutbox(terminal);
        // Every process delivers what its outbox targets were sent, with or without a terminal.
        services.AddPgxcBotOutboxSenders();

        if (RunsMonitor(command, setup))
        {
            services.AddPgxcBotMonitor();
            services.AddHostedService<FirstIncidentWarmUp>();
        }
        if (command == BotCommand.Serve) services.AddPgxcBotDiscord();
        if (command == BotCommand.RegisterCommands) services.AddPgxcBotDiscord(runAdapter: false);

        AddAlertRoute(services, AlertTargetOf(command, setup), setup);
        return services;
    }

    /// <summary>Whether <paramref name="command"/> only reads the bot's state (status, timeline): it writes no pair
    /// state, and on a shared store it takes no part in the election.</summary>
    public static bool IsReadOnly(BotCommand command) => command is BotCommand.Status or BotCommand.Timeline;

    /// <summary>Whether <paramref name="command"/> runs the monitor.</summary>
    public static bool RunsMonitor(BotCommand command, BotSetup setup) =>
        command == BotCommand.Serve || (command == BotCommand.Console && setup.ConsoleMonitor);

    /// <summary>The one place that decides where the monitor's alerts go for <paramref name="command"/>.</summary>
    public static AlertTarget AlertTargetOf(BotCommand command, BotSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        if (!RunsMonitor(command, setup)) return AlertTarget.None;
        if (setup.AlertChannel is not null) return AlertTarget.TestChannel;
        return command == BotCommand.Serve ? AlertTarget.Chat : AlertTarget.Terminal;
    }

    private static void AddAlertRoute(IServiceCollection services, AlertTarget target, BotSetup setup)
    {
        switch (target)
        {
            case AlertTarget.Terminal:
                services.AddSingleton(p => new OutboxRoute(p.GetRequiredService<ConsoleTarget>().Name, ProgressStyle.None, Alerts: true));
                break;
            case AlertTarget.Chat:
                // Without a discord section, alerts still reach the log rather than nowhere (the Discord adapter
                // registers the log channel then).
                services.AddSingleton(p => p.GetRequiredService<ClusterTopology>().Discord is null
                    ? new OutboxRoute(LogOutboxChannel.TargetName, ProgressStyle.None, Alerts: true)
                    : new OutboxRoute(DiscordOutboxChannel.TargetName, ProgressStyle.Message, Alerts: true));
                break;
            case AlertTarget.TestChannel:
                services.AddSingleton<IOutboxChannel>(setup.AlertChannel!);
                services.AddSingleton(new OutboxRoute(setup.AlertChannel!.Target, ProgressStyle.None, Alerts: true));
                break;
        }
    }

    private static void AddStore(IServiceCollection services, BotCommand command, BotSetup setup)
    {
        switch (setup.Store)
        {
            case BotStore.Sqlite sqlite:
                services.AddPgxcBotSqliteStore(sqlite.Store);
                // status and timeline only read: what their own observation makes the pair machines do stays in their
                // memory (a serving bot on the same file starts each poll from the stored states).
                if (IsReadOnly(command)) services.AddSingleton<IPairStateStore>(new ReadOnlyPairStates(sqlite.Store));
                // A one-shot command on one bot's SQLite file does not read the monitor's incidents (the shared
                // store's replicas all do: AddPgxcBotPostgresStore registers them).
                if (RunsMonitor(command, setup))
                    services.AddSingleton<IMonitorStateStore>(p => new SqliteMonitorStore(sqlite.Store, p.GetRequiredService<TimeProvider>()));
                services.AddSingleton(new StoreWriteProbe(sqlite.Store.CheckWritableAsync));
                break;
            case BotStore.Shared shared:
                // status and timeline only read: they watch the replicas, they do not become one. Only a serving bot
                // finishes the previous leader's operations when it takes over (a one-shot run exits right after).
                services.AddPgxcBotSharedStore(shared.Store, shared.ReplicaId, shared.Lease,
                    observer: IsReadOnly(command), resumeOnTakeover: command == BotCommand.Serve);
                services.AddSingleton(new StoreWriteProbe(shared.Store.CheckWritableAsync));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(setup), setup.Store, "unknown store");
        }
        // The pictures drawn from the store's timeline and lag samples.
        services.AddSingleton<Core.Charts.IChartRenderer, Charts.ScottPlotChartRenderer>();
        services.AddSingleton<Pictures.ChatPictures>();
    }
}
