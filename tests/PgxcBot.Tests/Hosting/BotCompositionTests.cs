using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PgxcBot.Core.Remote;
using PgxcBot.Discord;
using PgxcBot.Hosting;
using PgxcBot.Monitoring;
using PgxcBot.Outbox;
using PgxcBot.Postgres;
using PgxcBot.Ssh;
using PgxcBot.Tests.Secrets;

namespace PgxcBot.Tests.Hosting;

/// <summary>
/// The composition root, resolved per command: which adapters each command's bot gets, whether it runs the monitor
/// and the Discord adapter, and where its alerts go (decided in one place, whatever the order of registration).
/// </summary>
public sealed class BotCompositionTests : IDisposable
{
    private readonly TempConfigDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<BotCommand, bool, bool, bool, bool> Commands => new()
    {
        // command, console monitor, runs the monitor, runs the Discord adapter, has Discord's registrar
        { BotCommand.Serve, false, true, true, true },
        { BotCommand.Console, true, true, false, false },
        { BotCommand.Console, false, false, false, false },
        { BotCommand.Run, false, false, false, false },
        { BotCommand.Status, false, false, false, false },
        { BotCommand.Timeline, false, false, false, false },
        { BotCommand.RegisterCommands, false, false, false, true },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Each_command_gets_the_production_adapters_and_only_its_own_modules(BotCommand command, bool consoleMonitor,
        bool monitor, bool discordAdapter, bool discordRegistrar)
    {
        await using var provider = await BuildAsync(command, WithDiscord(), consoleMonitor);

        Assert.IsType<CompositeClusterObserver>(provider.GetRequiredService<IClusterObserver>());
        Assert.IsType<TransportRouter>(provider.GetRequiredService<IRemoteShell>());
        Assert.IsType<NpgsqlSqlExecutor>(provider.GetRequiredService<ISqlExecutor>());
        Assert.IsType<NpgsqlCommitWatch>(provider.GetRequiredService<ICommitWatchSource>());
        // The whole SSH connect within monitor.connectTimeoutSeconds, as for PostgreSQL, in every command.
        Assert.Equal(provider.GetRequiredService<ClusterTopology>().Monitor.ConnectTimeout,
            provider.GetRequiredService<SshRemoteShell>().ConnectTimeout);
        Assert.Equal(monitor, provider.GetService<MonitorService>() is not null);
        // On one bot's SQLite file only the monitor reads and writes incidents (a one-shot status does not).
        Assert.Equal(monitor, provider.GetService<PgxcBot.Core.Monitoring.IMonitorStateStore>() is not null);
        Assert.Equal(discordAdapter, provider.GetService<DiscordAdapterService>() is not null);
        Assert.Equal(discordRegistrar, provider.GetService<DiscordCommandRegistrar>() is not null);
        // The first incident's warm-up runs beside the monitor only: a one-shot command would pay for it at its start.
        Assert.Equal(monitor, provider.GetServices<IHostedService>().OfType<FirstIncidentWarmUp>().Any());
        // status and timeline write no pair state to the bot's file (a serving bot beside starts each poll from it).
        Assert.Equal(BotComposition.IsReadOnly(command), provider.GetRequiredService<PgxcBot.Core.Pairs.IPairStateStore>() is PgxcBot.Core.Pairs.ReadOnlyPairStates);
    }

    [Theory]
    [InlineData(BotCommand.Run)]
    [InlineData(BotCommand.Status)]
    [InlineData(BotCommand.Timeline)]
    [InlineData(BotCommand.RegisterCommands)]
    [InlineData(BotCommand.Console)]
    public async Task A_command_without_the_monitor_sends_alerts_nowhere(BotCommand command)
    {
        await using var provider = await BuildAsync(command, WithDiscord(), consoleMonitor: false);

        Assert.Empty(provider.GetRequiredService<OutboxRoutes>().AlertTargets);
    }

    [Fact]
    public async Task Serve_alerts_go_to_discord_when_configured_else_to_the_log()
    {
        await using (var withDiscord = await BuildAsync(BotCommand.Serve, WithDiscord()))
            Assert.Equal(["discord"], withDiscord.GetRequiredService<OutboxRoutes>().AlertTargets);
        await using (var withoutDiscord = await BuildAsync(BotCommand.Serve, TestConfigs.Minimal()))
            Assert.Equal(["log"], withoutDiscord.GetRequiredService<OutboxRoutes>().AlertTargets);
    }

    [Fact]
    public async Task The_console_monitor_alerts_on_the_terminal_only_even_with_discord_configured()
    {
        await using var provider = await BuildAsync(BotCommand.Console, WithDiscord(), consoleMonitor: true);

        Assert.Equal([provider.GetRequiredService<ConsoleTarget>().Name], provider.GetRequiredService<OutboxRoutes>().AlertTargets);
    }

    [Theory]
    [InlineData(BotCommand.Serve)]
    [InlineData(BotCommand.Console)]
    public async Task A_test_channel_replaces_the_commands_alert_target(BotCommand command)
    {
        var channel = new Channel();
        await using var provider = await BuildAsync(command, WithDiscord(), consoleMonitor: true, channel, terminal: false);

        Assert.Equal([Channel.Name], provider.GetRequiredService<OutboxRoutes>().AlertTargets);
        Assert.Contains(channel, provider.GetServices<IOutboxChannel>());
        // Delivered by a sender of its own, though the test set no terminal.
        Assert.NotNull(provider.GetRequiredService<OutboxSenderService>().For(Channel.Name));
    }

    /// <summary>The command's host as the CLI builds it (validated on build), not started.</summary>
    private async Task<Built> BuildAsync(BotCommand command, JsonObject config, bool consoleMonitor = false, IOutboxChannel? alerts = null,
        bool terminal = true)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = _directory.Path });
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
        builder.Services.AddPgxcBot(command, new BotSetup
        {
            Options = ConfigLoader.Parse(config.ToJsonString()).Options,
            BaseDirectory = _directory.Path,
            Secrets = new PgxcBot.Secrets.SecretResolver(_ => "secret"),
            Store = new BotStore.Sqlite(await SqliteStore.OpenAsync(Path.Combine(_directory.Path, $"{Guid.NewGuid():N}.db"), null, default)),
            Terminal = terminal ? TextWriter.Null : null,
            ConsoleMonitor = consoleMonitor,
            AlertChannel = alerts,
        });
        return new Built(builder.Build());
    }

    /// <summary>The built host, disposed asynchronously (the connection pools close so).</summary>
    private sealed class Built(IHost host) : IAsyncDisposable
    {
        public T GetRequiredService<T>() where T : notnull => host.Services.GetRequiredService<T>();
        public T? GetService<T>() => host.Services.GetService<T>();
        public IEnumerable<T> GetServices<T>() => host.Services.GetServices<T>();
        public ValueTask DisposeAsync() => ((IAsyncDisposable)host).DisposeAsync();
    }

    private static JsonObject WithDiscord()
    {
        var config = TestConfigs.Minimal();
        config["discord"] = new JsonObject
        {
            ["applicationId"] = InteractionInjector.ApplicationId,
            ["guildId"] = InteractionInjector.GuildId,
            ["channelId"] = InteractionInjector.ChannelId,
            ["token"] = new JsonObject { ["env"] = "PGXCBOT_DISCORD_TOKEN" },
        };
        return config;
    }

    private sealed class Channel : IOutboxChannel
    {
        public const string Name = "test-alerts";
        public string Target => Name;
        public bool EditsInPlace => false;
        public Task<DeliveryResult> DeliverAsync(OutboxEntry entry, PostedMessage? posted, CancellationToken cancellationToken) =>
            Task.FromResult(DeliveryResult.Done());
    }
}
