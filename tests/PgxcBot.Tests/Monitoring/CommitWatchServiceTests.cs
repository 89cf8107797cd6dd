using Microsoft.Extensions.DependencyInjection;
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

        public Task<IReadOnlyList<StoredRoles>> GetRolesAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            return Broken
                ? throw new StoreUnavailableException("the store /var/lib/pgxcbot/state.db could not read the stored roles: the file cannot be opened (SQLite error 14)")
                : Task.FromResult<IReadOnlyList<StoredRoles>>([]);
        }

        public Task SaveRolesAsync(StoredRoles roles, CancellationToken cancellationToken) => Task.CompletedTask;
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
}
