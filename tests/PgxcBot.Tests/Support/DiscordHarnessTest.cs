using PgxcBot.Discord.Gateway;
using PgxcBot.Tests.Discord;

namespace PgxcBot.Tests.Support;

/// <summary>
/// A test class whose tests each run against their own fake Discord and bot (<see cref="DiscordHarness"/>), started
/// before the test and disposed after it. Gateway clients a test connects run on <see cref="Stop"/>, which ends with
/// the test (or after <paramref name="gatewayLife"/>, a safety net far beyond any test), and are awaited before the
/// harness goes, so no client outlives its fake.
/// </summary>
/// <param name="gatewayLife">Default 60 s.</param>
public abstract class DiscordHarnessTest(TimeSpan? gatewayLife = null) : IAsyncLifetime
{
    private readonly CancellationTokenSource _stop = new(gatewayLife ?? TimeSpan.FromSeconds(60));
    private readonly List<Task> _gateways = [];

    /// <summary>The test's fake Discord and bot (set once <see cref="InitializeAsync"/> ran).</summary>
    private protected DiscordHarness Harness { get; private set; } = null!;

    /// <summary>The gateways' lifetime: ends when the test ends, or when a test calls <see cref="StopAsync"/>.</summary>
    protected CancellationToken Stop => _stop.Token;

    /// <summary>Ends <see cref="Stop"/> now (a test that waits for its own gateway run to end).</summary>
    protected Task StopAsync() => _stop.CancelAsync();

    /// <summary>Starts the harness; a class that needs more before its tests overrides this and calls it first.</summary>
    public virtual async Task InitializeAsync() => Harness = await DiscordHarness.StartAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_gateways);
        await Harness.DisposeAsync();
        _stop.Dispose();
    }

    /// <summary>Connects the bot's gateway client to the fake (running until <see cref="Stop"/>) and waits until it is READY.</summary>
    private protected async Task<GatewayClient> ConnectGatewayAsync()
    {
        var client = Harness.Gateway();
        _gateways.Add(client.RunAsync(Stop));
        await Eventually.HoldsAsync(() => client.IsReady, "gateway READY");
        return client;
    }
}
