using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PgxcBot.Monitoring;
using PgxcBot.Tests.Discord;

namespace PgxcBot.Tests.Monitoring;

/// <summary>
/// The commit watch's own loop (which masters to watch, read from the topology every second) survives a store that
/// cannot be read: seen for real when a serving bot's store file was removed under it, and the exception stopped the
/// whole host (BackgroundServiceExceptionBehavior.StopHost) where the monitor beside it only logged its failed polls.
/// </summary>
public sealed class CommitWatchServiceTests
{
    /// <summary>The roles table, readable until <see cref="Broken"/>; counts the reads.</summary>
    private sealed class BreakableRoles : ITopologyStore
    {
        private int _reads;
        public volatile bool Broken;
        public int Reads => Volatile.Read(ref _reads);

        /// <summary>Set: the next read waits until it is cancelled, then fails as a store read cut short can.</summary>
        public volatile bool FailWhenCutShort;
        public TaskCompletionSource Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<IReadOnlyList<StoredRoles>> GetRolesAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            if (FailWhenCutShort)
            {
                Held.TrySetResult();
                try { await Task.Delay(Timeout.Infinite, cancellationToken); }
                catch (OperationCanceledException) { }
                throw Unreadable();
            }
            return Broken ? throw Unreadable() : [];
        }

        private static StoreUnavailableException Unreadable() =>
            new("the store /var/lib/pgxcbot/state.db could not read the stored roles: the file cannot be opened (SQLite error 14)");

        public Task SaveRolesAsync(StoredRoles roles, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Opens sessions only when let through, counting how many openings run at once; each session samples a
    /// quiet master (nobody waiting).</summary>
    private sealed class GatedSource : ICommitWatchSource
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _running, _maxRunning, _opened;
        public int Running => Volatile.Read(ref _running);
        public int MaxRunning => Volatile.Read(ref _maxRunning);
        public int Opened => Volatile.Read(ref _opened);
        public void Open() => _gate.TrySetResult();

        public async Task<ICommitWatchSession> OpenAsync(ClusterTopology topology, ServerLocation master, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _running);
            int max;
            while (now > (max = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, now, max) != max) { }
            try
            {
                await _gate.Task.WaitAsync(cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
            Interlocked.Increment(ref _opened);
            return new QuietSession();
        }

        private sealed class QuietSession : ICommitWatchSession
        {
            public string? Unsupported => null;
            public Task<CommitSample> SampleAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
                Task.FromResult(new CommitSample(DateTimeOffset.UtcNow, false, 0, []));
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task Watch_sessions_are_opened_a_few_at_a_time_so_a_starting_bot_does_not_storm_its_masters()
    {
        await using var harness = await DiscordHarness.StartAsync(runSender: false);
        var monitor = harness.Bot.GetRequiredService<MonitorService>();
        var topology = new ClusterBuilder(datanodes: 12).Topology();
        var source = new GatedSource();
        using var watch = new CommitWatchService(new TopologyState(topology, new BreakableRoles(), TimeProvider.System), source, monitor,
            TimeProvider.System, NullLogger<CommitWatchService>.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await monitor.StartAsync(stop.Token);
        await watch.StartAsync(stop.Token);
        try
        {
            // Twelve masters to watch: four openings on their way, the other eight waiting their turn.
            await Eventually.HoldsAsync(() => source.Running == CommitWatchService.MaxConcurrentOpens, "four openings under way");
            Assert.Equal(0, source.Opened);
            source.Open();
            await Eventually.HoldsAsync(() => source.Opened == 12, "every master's session open");
            Assert.Equal(CommitWatchService.MaxConcurrentOpens, source.MaxRunning);
        }
        finally
        {
            await watch.StopAsync(CancellationToken.None);
            await monitor.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_store_read_that_fails_as_the_stop_cuts_it_short_ends_the_watch_cleanly()
    {
        var roles = new BreakableRoles();
        await using var harness = await DiscordHarness.StartAsync(runSender: false, fakes: services => services.AddSingleton<ITopologyStore>(roles));
        // The watch starts once the monitor has: then the monitor is stopped, so the only reader of the roles is the watch.
        var monitor = harness.Bot.GetRequiredService<MonitorService>();
        await monitor.StartAsync(CancellationToken.None);
        await monitor.Started.WaitAsync(TimeSpan.FromSeconds(15));
        await monitor.StopAsync(CancellationToken.None);
        var byTheMonitor = roles.Reads;
        using var watch = ActivatorUtilities.CreateInstance<CommitWatchService>(harness.Bot);
        await watch.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.HoldsAsync(() => roles.Reads > byTheMonitor, "the watch reading the topology");
            roles.FailWhenCutShort = true;
            await roles.Held.Task.WaitAsync(TimeSpan.FromSeconds(15));
        }
        finally
        {
            await watch.StopAsync(CancellationToken.None);
        }
        Assert.True(watch.ExecuteTask!.IsCompletedSuccessfully, $"the commit watch ended {watch.ExecuteTask.Status}: {watch.ExecuteTask.Exception?.InnerException?.Message}");
    }

    [Fact]
    public async Task A_store_that_cannot_be_read_leaves_the_watch_running_and_the_host_up()
    {
        var roles = new BreakableRoles();
        await using var harness = await DiscordHarness.StartAsync(runSender: false, fakes: services => services.AddSingleton<ITopologyStore>(roles));
        var monitor = harness.Bot.GetRequiredService<MonitorService>();
        // As AddHostedService<CommitWatchService> makes it (the harness composes the bot but starts no hosted service).
        using var watch = ActivatorUtilities.CreateInstance<CommitWatchService>(harness.Bot);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await monitor.StartAsync(stop.Token);
        await watch.StartAsync(stop.Token);
        try
        {
            await Eventually.HoldsAsync(() => roles.Reads >= 2, "the watch reading the topology");
            roles.Broken = true;
            var brokenAt = roles.Reads;
            // The watch asks again every second: three failed reads later it is still running.
            await Eventually.HoldsAsync(() => roles.Reads >= brokenAt + 3, "three reads of the broken store", seconds: 15);
            Assert.False(watch.ExecuteTask!.IsCompleted, $"the commit watch ended: {watch.ExecuteTask.Exception?.InnerException?.Message}");
        }
        finally
        {
            await watch.StopAsync(CancellationToken.None);
            await monitor.StopAsync(CancellationToken.None);
        }
        Assert.False(watch.ExecuteTask!.IsFaulted, $"the commit watch failed: {watch.ExecuteTask.Exception?.InnerException?.Message}");
    }

    /// <summary>Samples a quiet master (counted) and links its slave; <see cref="BreakLink"/> ends the current link as
    /// a killed slave does.</summary>
    private sealed class LinkingSource : ICommitWatchSource
    {
        private int _samples, _links;
        private volatile FakeLink? _current;
        public int Samples => Volatile.Read(ref _samples);
        public int Links => Volatile.Read(ref _links);
        public void BreakLink() => _current!.Break();

        public Task<ICommitWatchSession> OpenAsync(ClusterTopology topology, ServerLocation master, CancellationToken cancellationToken) =>
            Task.FromResult<ICommitWatchSession>(new CountingSession(this));

        public Task<IServerLink?> LinkAsync(ClusterTopology topology, ServerLocation server, CancellationToken cancellationToken)
        {
            Assert.Equal(topology.Datanodes[0].Slave!.Endpoint, server.Endpoint);
            _current = new FakeLink();
            Interlocked.Increment(ref _links);
            return Task.FromResult<IServerLink?>(_current);
        }

        private sealed class CountingSession(LinkingSource source) : ICommitWatchSession
        {
            public string? Unsupported => null;
            public Task<CommitSample> SampleAsync(TimeSpan timeout, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref source._samples);
                return Task.FromResult(new CommitSample(DateTimeOffset.UtcNow, false, 0, []));
            }
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }

        private sealed class FakeLink : IServerLink
        {
            private readonly TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
            public Task Lost => _lost.Task;
            public void Break() => _lost.TrySetResult();
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task A_slave_whose_link_breaks_has_its_master_sampled_at_once_and_is_linked_again_a_second_later()
    {
        await using var harness = await DiscordHarness.StartAsync(runSender: false);
        var monitor = harness.Bot.GetRequiredService<MonitorService>();
        var source = new LinkingSource();
        // The watch's clock stands still unless the test moves it: no tick, so no sample, comes by itself.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var watch = new CommitWatchService(new TopologyState(new ClusterBuilder(datanodes: 1).Topology(), new BreakableRoles(), TimeProvider.System),
            source, monitor, clock, NullLogger<CommitWatchService>.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await monitor.StartAsync(stop.Token);
        await watch.StartAsync(stop.Token);
        try
        {
            await Eventually.HoldsAsync(() => source.Samples == 1 && source.Links == 1, "the master sampled once and its slave linked");

            source.BreakLink();

            await Eventually.HoldsAsync(() => source.Samples == 2, "the master sampled at once, the clock standing still");
            Assert.Equal(1, source.Links);
            clock.Advance(CommitWatchService.LinkRetry);
            await Eventually.HoldsAsync(() => source.Links == 2, "the slave linked again a second later");
        }
        finally
        {
            await watch.StopAsync(CancellationToken.None);
            await monitor.StopAsync(CancellationToken.None);
        }
        Assert.True(watch.ExecuteTask!.IsCompletedSuccessfully, $"the commit watch ended {watch.ExecuteTask.Status}: {watch.ExecuteTask.Exception?.InnerException?.Message}");
    }
}
