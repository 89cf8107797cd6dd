using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Monitoring;
using PgxcBot.Tests.Discord;
using PgxcBot.Tests.Operations;

namespace PgxcBot.Tests.Monitoring;

/// <summary>
/// In a process that runs the monitor, a status (chat, <c>GET /status</c>, the CLI through the bot) observes with the
/// poll's settings, so it runs on the poll's pooled sessions. With the configured timeouts its pools were other ones,
/// and the first status after a start opened a second session on every server (64 lab pairs: 130 session starts for
/// one <c>pgxcbot status</c>).
/// </summary>
public sealed class StatusOnPollSessionsTests
{
    [Fact]
    public async Task A_status_in_the_serving_bot_observes_with_the_polls_timeouts_and_afresh()
    {
        RecordingObserver? observer = null;
        var harness = await DiscordHarness.StartAsync(runSender: false, fakes: services => services.AddSingleton<IClusterObserver>(provider =>
            observer = new RecordingObserver(new FakeCluster(RunbookTopologies.TwoNodes()))));
        await using var _ = harness;
        var monitor = harness.Bot.GetRequiredService<MonitorService>();
        var configured = harness.Topology.Monitor;
        var bounded = SharedSnapshotObserver.Bounded(harness.Topology).Monitor;
        // The poll's timeouts are capped below its interval: the status would otherwise use other pools.
        Assert.True(bounded.ConnectTimeout < configured.ConnectTimeout, $"the test needs capped timeouts, got {bounded.ConnectTimeout}");

        await monitor.PollOnceAsync(CancellationToken.None);
        var poll = observer!.LastSettings();
        var asked = observer.Asked.Count;
        // The harness answers chat statuses from a fixed one: the bot's own status source, built as the container builds it.
        var source = ActivatorUtilities.CreateInstance<PgxcBot.Hosting.ObservedClusterStatus>(harness.Bot);
        await source.GetAsync(CancellationToken.None);

        Assert.Equal(asked + 1, observer.Asked.Count);
        var status = observer.LastSettings();
        Assert.Equal((poll.ConnectTimeout, poll.CommandTimeout), (status.ConnectTimeout, status.CommandTimeout));
        Assert.Equal((bounded.ConnectTimeout, bounded.CommandTimeout), (status.ConnectTimeout, status.CommandTimeout));
    }
}
