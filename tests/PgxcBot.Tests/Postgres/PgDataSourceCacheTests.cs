using Microsoft.Extensions.Time.Testing;
using Npgsql;
using PgxcBot.Postgres;

namespace PgxcBot.Tests.Postgres;

/// <summary>
/// The data sources of the observer and the runbook executor keep one session per server open; one a caller stopped
/// asking for (a server that left the topology) is disposed, its session closed, instead of staying open until the
/// bot stops. No server is needed: building a data source connects nowhere.
/// </summary>
public sealed class PgDataSourceCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 3, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_source_not_asked_for_during_UnusedAfter_is_disposed_and_one_in_use_is_kept()
    {
        await using var cache = new PgDataSourceCache(LateQuery.Finish, keepOneOpen: true, time: _time);
        var gone = Get(cache, 5433);
        var used = Get(cache, 5434);

        // Both asked for within UnusedAfter: the same sources.
        _time.Advance(PgDataSourceCache.UnusedAfter - TimeSpan.FromSeconds(30));
        Assert.Same(used, Get(cache, 5434));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Same(gone, Get(cache, 5433));

        // 5434 is asked for every minute; 5433 no more.
        for (var minute = 0; minute < 4; minute++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            Assert.Same(used, Get(cache, 5434));
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await gone.OpenConnectionAsync());
        var again = Get(cache, 5433);
        Assert.NotSame(gone, again);
    }

    [Fact]
    public async Task A_source_asked_for_again_after_a_long_quiet_spell_is_not_the_one_the_sweep_disposes()
    {
        await using var cache = new PgDataSourceCache(LateQuery.Cancel, keepOneOpen: true, time: _time);
        var quiet = Get(cache, 5433);

        // The first call after an hour both sweeps and asks for the quiet source: it is kept, not disposed under the caller.
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Same(quiet, Get(cache, 5433));
        await using var connection = quiet.CreateConnection();
        Assert.Equal(5433, new NpgsqlConnectionStringBuilder(connection.ConnectionString).Port);
    }

    private static NpgsqlDataSource Get(PgDataSourceCache cache, int port) =>
        cache.Get(PgServerKind.Datanode, "127.0.0.1", port, "postgres", "postgres", null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1));
}
