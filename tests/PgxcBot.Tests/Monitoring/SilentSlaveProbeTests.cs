using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Monitoring;
using PgxcBot.Tests.Discord;
using PgxcBot.Tests.Operations;

namespace PgxcBot.Tests.Monitoring;

/// <summary>
/// A poll the commit watch asks for because a sync slave went silent must not wait out that slave's connect
/// timeout: the watch's measurement decides, so the poll probes that slave (and only it) under
/// <see cref="QuickProbes.SilentServerTimeout"/>. The serving bot as the root composes it, over the fake cluster.
/// </summary>
public sealed class SilentSlaveProbeTests
{
    private static async Task<(DiscordHarness Harness, RecordingObserver Observer, MonitorService Monitor)> StartAsync()
    {
        RecordingObserver? observer = null;
        var harness = await DiscordHarness.StartAsync(runSender: false, fakes: services => services.AddSingleton<IClusterObserver>(provider =>
            observer = new RecordingObserver(new FakeCluster(RunbookTopologies.TwoNodes()))));
        var monitor = harness.Bot.GetRequiredService<MonitorService>();
        return (harness, observer!, monitor);
    }

    private static QuickProbes LastAsked(RecordingObserver observer)
    {
        lock (observer.Asked) return observer.Asked[^1];
    }

    [Fact]
    public async Task A_fresh_silence_measured_on_the_pairs_master_has_that_slave_alone_probed_quickly()
    {
        var (harness, observer, monitor) = await StartAsync();
        await using var _ = harness;
        var pair = harness.Topology.FindDatanode("datanode1")!;
        monitor.NoteSilentSlave("datanode1", new SilentSlaveSighting(pair.Master.Endpoint, TimeProvider.System.GetUtcNow(), 3,
            TimeSpan.FromMilliseconds(450), TimeSpan.FromMilliseconds(300)));

        await monitor.PollOnceAsync(CancellationToken.None);

        var quick = LastAsked(observer);
        Assert.Equal([pair.Slave!.Endpoint], quick.Endpoints);
        Assert.Equal(QuickProbes.SilentServerTimeout, quick.Timeout);
        // The hint bounds the named server only, and never lengthens its timeouts.
        var timeout = QuickProbes.SilentServerTimeout;
        Assert.Equal((timeout, timeout), quick.For(pair.Slave.Endpoint, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)));
        Assert.Equal((TimeSpan.FromMilliseconds(50), timeout), quick.For(pair.Slave.Endpoint, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2)));
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)), quick.For(pair.Master.Endpoint, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task A_silence_measured_while_a_poll_is_under_way_shortens_that_polls_probe_of_the_slave_alone()
    {
        RecordingObserver? observer = null;
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var harness = await DiscordHarness.StartAsync(runSender: false, fakes: services => services.AddSingleton<IClusterObserver>(provider =>
            observer = new RecordingObserver(new FakeCluster(RunbookTopologies.TwoNodes())) { Hold = (holding, release) }));
        await using var _ = harness;
        var monitor = harness.Bot.GetRequiredService<MonitorService>();
        var pair = harness.Topology.FindDatanode("datanode1")!;

        // A poll starts with no silence known, and is probing when the commit watch measures one.
        var polling = monitor.PollOnceAsync(CancellationToken.None);
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var quick = LastAsked(observer!);
        Assert.Empty(quick.Endpoints);
        var slaveSignal = quick.Later!.For(pair.Slave!.Endpoint);
        var masterSignal = quick.Later.For(pair.Master.Endpoint);
        Assert.False(slaveSignal.IsCancellationRequested);

        monitor.NoteSilentSlave("datanode1", new SilentSlaveSighting(pair.Master.Endpoint, TimeProvider.System.GetUtcNow(), 3,
            TimeSpan.FromMilliseconds(450), TimeSpan.FromMilliseconds(300)));

        Assert.True(slaveSignal.IsCancellationRequested, "the slave's probe under way is told to end within the quick deadline");
        Assert.False(masterSignal.IsCancellationRequested);
        release.TrySetResult();
        await polling.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("stale")]          // older than SilentSlaveSighting.FreshFor: says nothing about this poll
    [InlineData("other master")]   // taken on a server that is not the pair's master now (after a promote)
    [InlineData("ended")]          // the watch's next sample saw the slave confirm again
    public async Task No_quick_probe_without_a_fresh_silence_measured_on_the_pairs_master_now(string why)
    {
        var (harness, observer, monitor) = await StartAsync();
        await using var _ = harness;
        var pair = harness.Topology.FindDatanode("datanode1")!;
        var now = TimeProvider.System.GetUtcNow();
        var sighting = new SilentSlaveSighting(pair.Master.Endpoint, now, 3, TimeSpan.FromMilliseconds(450), TimeSpan.FromMilliseconds(300));
        monitor.NoteSilentSlave("datanode1", why switch
        {
            "stale" => sighting with { At = now - SilentSlaveSighting.FreshFor - TimeSpan.FromSeconds(1) },
            "other master" => sighting with { Master = pair.Slave!.Endpoint },
            _ => sighting,
        });
        if (why == "ended") monitor.NoteSilentSlave("datanode1", null);

        await monitor.PollOnceAsync(CancellationToken.None);

        Assert.Empty(LastAsked(observer).Endpoints);
    }
}
