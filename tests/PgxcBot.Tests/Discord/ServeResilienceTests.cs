using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PgxcBot.Discord;
using PgxcBot.Discord.Rest;
using PgxcBot.Monitoring;
using PgxcBot.Tests.Hosting;

namespace PgxcBot.Tests.Discord;

/// <summary>
/// <c>pgxcbot serve</c> as the host wires it, against the fake Discord: a Discord that is briefly unreachable never
/// stops the bot (the adapter restarts, the monitor polls on), and only a refusal for good ends it, non-zero.
/// </summary>
public sealed class ServeResilienceTests : IAsyncLifetime
{
    private ConfiguredFakeDiscord _discord = null!;
    private readonly StringWriter _out = new(), _error = new();
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
    private IServiceProvider? _services;

    public async Task InitializeAsync()
    {
        _discord = await ConfiguredFakeDiscord.StartAsync(registerCommandsAtStart: true);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _discord.DisposeAsync();
        _stop.Dispose();
    }

    private Task<int> ServeAsync() => _discord.ServeAsync(_discord.Config, _out, _error, services =>
    {
        services.AddSingleton(new DiscordAdapterOptions { RestartBase = TimeSpan.FromMilliseconds(20), RestartMax = TimeSpan.FromMilliseconds(200) });
        services.AddHostedService(p => new Capture(p, s => _services = s));
    }, _stop.Token);

    private MonitorService Monitor => _services!.GetRequiredService<MonitorService>();

    private int FailedGatewayUrlRequests => _discord.Fake.Requests.Count(r => r.Path == "gateway/bot" && r.Status == 0);

    [Fact]
    public async Task Invalid_session_while_REST_is_down_keeps_the_bot_up_and_it_identifies_again_when_REST_is_back()
    {
        var serve = ServeAsync();
        await Eventually.HoldsAsync(() => serve.IsCompleted || (_discord.Fake.Gateway.Identifies == 1 && _services is not null), "the gateway ready", 30);
        Assert.False(serve.IsCompleted, "the bot stopped: " + _error);

        // Discord asks for a new session (op 9, not resumable) just as its REST API is unreachable.
        _discord.Fake.Down = true;
        await _discord.Fake.Gateway.SendRawAsync(new JsonObject { ["op"] = 9, ["d"] = false });
        await Eventually.HoldsAsync(() => FailedGatewayUrlRequests >= 3, "GET /gateway/bot retried with back-off", 30);
        var polls = Monitor.Polls;
        await Eventually.HoldsAsync(() => Monitor.Polls >= polls + 2, "the monitor polling on", 30);
        Assert.False(serve.IsCompleted, "the bot stopped: " + _error);

        _discord.Fake.Down = false;
        await Eventually.HoldsAsync(() => _discord.Fake.Gateway.Identifies == 2 && _discord.Fake.Gateway.Connected, "a new session once REST is back", 30);
        Assert.False(serve.IsCompleted);

        await _stop.CancelAsync();
        var exit = await serve;
        Assert.True(exit == ExitCodes.Ok, $"exit {exit}: {_error}");
        Assert.Contains("could not ask Discord where to connect", _error.ToString());
        Assert.DoesNotContain(_discord.Fake.Token, _out.ToString() + _error);
    }

    [Fact]
    public async Task An_adapter_that_cannot_start_because_Discord_is_down_restarts_with_back_off_while_the_monitor_runs()
    {
        _discord.Fake.Down = true; // registering the commands at start fails: DNS, network, Discord down
        var serve = ServeAsync();
        await Eventually.HoldsAsync(() => serve.IsCompleted || (_services is not null && _services.GetRequiredService<DiscordAdapterService>().Restarts >= 3), "the adapter restarting", 30);
        Assert.False(serve.IsCompleted, "the bot stopped: " + _error);
        var polls = Monitor.Polls;
        await Eventually.HoldsAsync(() => Monitor.Polls >= polls + 2, "the monitor polling on", 30);
        Assert.False(serve.IsCompleted);

        _discord.Fake.Down = false;
        await Eventually.HoldsAsync(() => _discord.Fake.Gateway.Identifies == 1 && _discord.Fake.Requests.Any(r => r.Method == "PUT" && r.Status == 200), "registered and connected", 30);
        await _stop.CancelAsync();
        var exit = await serve;
        Assert.True(exit == ExitCodes.Ok, $"exit {exit}: {_error}");
        Assert.Contains("Discord adapter failed", _error.ToString());
    }

    [Fact]
    public async Task A_token_Discord_rejects_when_the_outbox_posts_stops_the_bot_with_exit_4_naming_it()
    {
        var serve = ServeAsync();
        await Eventually.HoldsAsync(() => serve.IsCompleted || (_discord.Fake.Gateway.Identifies == 1 && _services is not null), "the gateway ready", 30);
        Assert.False(serve.IsCompleted, "the bot stopped: " + _error);

        // The token is revoked while the gateway session lives on: the first alert the outbox posts gets 401.
        _discord.Fake.Token = "revoked-" + _discord.Fake.Token;
        var exit = await serve.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ExitCodes.ChatRefused, exit);
        Assert.Contains(_discord.Fake.Requests, r => r.Method == "POST" && r.Path.EndsWith("/messages", StringComparison.Ordinal) && r.Status == 401);
        Assert.Contains("error: ", _error.ToString());
        Assert.Contains("401", _error.ToString());
    }

    /// <summary>Hands the test the host's services once it starts.</summary>
    private sealed class Capture(IServiceProvider services, Action<IServiceProvider> capture) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            capture(services);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
