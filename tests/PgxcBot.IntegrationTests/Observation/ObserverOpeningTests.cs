using PgxcBot.Lab.Faults;
using PgxcBot.Core.Observation;
using PgxcBot.Postgres;

namespace PgxcBot.IntegrationTests.Observation;

/// <summary>
/// How the observer opens connections when servers are slow or silent: an opening that misses its probe's deadline
/// is not thrown away (a starting bot on a busy host otherwise never sees a server answer), and silent servers do
/// not keep the others waiting for their whole connect timeout. A query that misses its deadline is not thrown away
/// either (cancelling it costs a loaded server a process start, and its session).
/// </summary>
public sealed class ObserverOpeningTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task An_opening_that_misses_its_deadline_goes_on_and_the_next_probe_uses_its_connection()
    {
        using var cts = new CancellationTokenSource(Budget);
        // 150 ms each way: opening a session takes at least one round trip (300 ms), more than the 200 ms the probe
        // may wait, and well under Npgsql's own 1 s bound; a query on an open session fits its 3 s.
        await using var slow = await SlowMaster.StartAsync(TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(3), cts.Token);
        var (proxy, topology) = (slow.Proxy, slow.Topology);
        await using var observer = ObserverHarness.Create();

        var first = (await observer.ObserveAsync(topology, cts.Token)).Pair("datanode1").Master;
        output.WriteLine($"first: {first.Status} after {first.Elapsed.TotalMilliseconds:0} ms: {first.Error}");
        Assert.Equal(ProbeStatus.Timeout, first.Status);
        Assert.Contains("while connecting", first.Error);

        // Every later probe also has only 200 ms to connect: it can answer only on the connection the first one opened.
        var answered = await observer.ObserveUntilAsync(topology, s => s.Pair("datanode1").Master.Status == ProbeStatus.Ok,
            "the master to answer on the connection the timed-out probe went on opening", cts.Token);
        Assert.False(answered.Pair("datanode1").Master.Facts!.InRecovery);
        output.WriteLine($"answered after {proxy.Accepted} connection(s) accepted");
        // Probes while the first opening is on its way open more (a pool holds 4), none is thrown away for good.
        Assert.InRange(proxy.Accepted, 1, 4);
    }

    [Fact]
    public async Task A_query_that_misses_its_deadline_goes_on_and_its_session_answers_the_next_probes()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Async, cts.Token);
        // 1.1 s for the query; Npgsql's own bound is five times that (PgDataSourceCache.LateAnswerFactor): a late answer is kept.
        var topology = LabTopology.For([pair.ToDatanodePair() with { Slave = null }],
            monitor: LabTopology.FastMonitor with { CommandTimeout = TimeSpan.FromSeconds(1.1) });
        await using var observer = ObserverHarness.Create();
        Assert.Equal(ProbeStatus.Ok, (await observer.ObserveAsync(topology, cts.Token)).Pair("datanode1").Master.Status);
        var sessions = await BotSessions.PidsAsync(pair.Master, "pgxcbot", cts.Token);
        Assert.NotEmpty(sessions);

        // The master hangs a moment (SIGSTOP): the probe's query on its pooled session misses its deadline.
        await pair.Master.FreezeAsync(cts.Token);
        ServerProbe late;
        try
        {
            late = (await observer.ObserveAsync(topology, cts.Token)).Pair("datanode1").Master;
        }
        finally
        {
            await pair.Master.ThawAsync(cts.Token);
        }
        output.WriteLine($"while frozen: {late.Status} after {late.Elapsed.TotalMilliseconds:0} ms: {late.Error}");
        Assert.Equal(ProbeStatus.Timeout, late.Status);
        Assert.Contains("while querying", late.Error);

        // The late answer comes in and its session stays the bot's: nothing was cancelled or cleared. A probe while it was
        // still on its way may have opened one more (a pool holds 4), no more.
        await observer.ObserveUntilAsync(topology, s => s.Pair("datanode1").Master.Status == ProbeStatus.Ok, "the master to answer again", cts.Token);
        Assert.Equal(ProbeStatus.Ok, (await observer.ObserveAsync(topology, cts.Token)).Pair("datanode1").Master.Status);
        var after = await BotSessions.PidsAsync(pair.Master, "pgxcbot", cts.Token);
        output.WriteLine($"the bot's sessions before: {string.Join(", ", sessions)}; after: {string.Join(", ", after)}");
        Assert.All(sessions, pid => Assert.Contains(pid, after));
        Assert.InRange(after.Count, sessions.Count, sessions.Count + 1);
    }

    [Fact]
    public async Task Silent_servers_beyond_the_opening_bound_delay_a_live_one_by_the_slot_hold_not_their_connect_timeout()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Async, cts.Token);
        // More silent servers than the observer opens at once, probed before the live pair (pairs start in order).
        var holes = new List<BlackHoleListener>();
        try
        {
            for (var i = 0; i < NpgsqlClusterObserver.MaxConcurrentOpens + 4; i++) holes.Add(new BlackHoleListener());
            var real = pair.ToDatanodePair();
            var silent = holes.Select((hole, i) => real with
            {
                Name = $"silent{i + 1}",
                Master = real.Master with { Port = hole.Port },
                Slave = null,
            });
            var connectTimeout = TimeSpan.FromSeconds(4);
            var topology = LabTopology.For([.. silent, real with { Name = "live" }],
                monitor: LabTopology.FastMonitor with { ConnectTimeout = connectTimeout });
            await using var observer = ObserverHarness.Create();

            var snapshot = await observer.ObserveAsync(topology, cts.Token);

            var live = snapshot.Pair("live");
            output.WriteLine($"live master {live.Master.Status} after {live.Master.Elapsed.TotalMilliseconds:0} ms, " +
                $"slave after {live.Slave!.Elapsed.TotalMilliseconds:0} ms; snapshot {snapshot.Elapsed.TotalMilliseconds:0} ms");
            Assert.Equal(ProbeStatus.Ok, live.Master.Status);
            Assert.Equal(ProbeStatus.Ok, live.Slave.Status);
            // One slot hold (0.5 s) and the live servers' own answers, with room for a loaded machine; not the 4 s
            // the silent servers' connect timeout would cost if they kept their slots.
            Assert.True(live.Master.Elapsed < TimeSpan.FromSeconds(2.5), $"the live master answered after {live.Master.Elapsed.TotalSeconds:0.0} s");
            Assert.All(snapshot.Pairs.Where(p => p.Datanode.StartsWith("silent", StringComparison.Ordinal)),
                p => Assert.Equal(ProbeStatus.Timeout, p.Master.Status));
        }
        finally
        {
            foreach (var hole in holes) await hole.DisposeAsync();
        }
    }
}
